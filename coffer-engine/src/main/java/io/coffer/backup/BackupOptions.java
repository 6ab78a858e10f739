package io.coffer.backup;

import java.util.List;
import java.util.Map;

/**
 * Options of one backup.
 *
 * @param parent manifest id of the parent backup (already resolved), or null for none
 * @param threads worker threads that read, chunk, hash and compress
 * @param extraDatabaseGlobs globs (relative to the source) of more files to cut in fixed blocks
 * @param image treat a single-file source as a raw image (fixed blocks); devices always are
 */
public record BackupOptions(String parent, Map<String, String> tags, int threads, int uploaders, List<String> extraDatabaseGlobs, boolean image) {
    public BackupOptions {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        extraDatabaseGlobs = extraDatabaseGlobs == null ? List.of() : List.copyOf(extraDatabaseGlobs);
        if (threads < 1 || uploaders < 1) throw new IllegalArgumentException("threads and uploaders must be >= 1");
    }

    public static BackupOptions defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new BackupOptions(null, Map.of(), cores + 1, 2, List.of(), true);
    }

    public BackupOptions withParent(String id) {
        return new BackupOptions(id, tags, threads, uploaders, extraDatabaseGlobs, image);
    }

    public BackupOptions withTags(Map<String, String> t) {
        return new BackupOptions(parent, t, threads, uploaders, extraDatabaseGlobs, image);
    }

    public BackupOptions withThreads(int n) {
        return new BackupOptions(parent, tags, n, uploaders, extraDatabaseGlobs, image);
    }

    public BackupOptions withDatabaseGlobs(List<String> globs) {
        return new BackupOptions(parent, tags, threads, uploaders, globs, image);
    }
}
