package io.coffer.backup;

import io.coffer.repo.PathPatterns;
import java.util.List;
import java.util.Map;

/**
 * Options of one backup.
 *
 * @param parent manifest id of the parent backup (already resolved), or null for none
 * @param threads worker threads that read, chunk, hash and compress
 * @param extraDatabaseGlobs globs (relative to the source) of more files to cut in fixed blocks
 * @param image treat a single-file source as a raw image (fixed blocks); devices always are
 * @param excludes patterns of entries to leave out (see {@link PathPatterns})
 * @param oneFileSystem stay on the source's file system: a directory on another one (a mount
 *     point) is kept, empty; any other entry on another one is left out
 */
public record BackupOptions(String parent, Map<String, String> tags, int threads, int uploaders, List<String> extraDatabaseGlobs, boolean image,
        List<String> excludes, boolean oneFileSystem) {
    public BackupOptions {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        extraDatabaseGlobs = extraDatabaseGlobs == null ? List.of() : List.copyOf(extraDatabaseGlobs);
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
        if (threads < 1 || uploaders < 1) throw new IllegalArgumentException("threads and uploaders must be >= 1");
        PathPatterns.of("exclude", excludes); // a bad pattern is refused here, before anything is read
    }

    public static BackupOptions defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new BackupOptions(null, Map.of(), cores + 1, 2, List.of(), true, List.of(), false);
    }

    public BackupOptions withParent(String id) {
        return new BackupOptions(id, tags, threads, uploaders, extraDatabaseGlobs, image, excludes, oneFileSystem);
    }

    public BackupOptions withTags(Map<String, String> t) {
        return new BackupOptions(parent, t, threads, uploaders, extraDatabaseGlobs, image, excludes, oneFileSystem);
    }

    public BackupOptions withThreads(int n) {
        return new BackupOptions(parent, tags, n, uploaders, extraDatabaseGlobs, image, excludes, oneFileSystem);
    }

    public BackupOptions withDatabaseGlobs(List<String> globs) {
        return new BackupOptions(parent, tags, threads, uploaders, globs, image, excludes, oneFileSystem);
    }

    public BackupOptions withImage(boolean asImage) {
        return new BackupOptions(parent, tags, threads, uploaders, extraDatabaseGlobs, asImage, excludes, oneFileSystem);
    }

    public BackupOptions withExcludes(List<String> patterns, boolean sameFileSystem) {
        return new BackupOptions(parent, tags, threads, uploaders, extraDatabaseGlobs, image, patterns, sameFileSystem);
    }
}
