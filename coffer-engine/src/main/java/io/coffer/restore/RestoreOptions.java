package io.coffer.restore;

import io.coffer.repo.PathPatterns;
import java.util.List;

/**
 * Options of one restore.
 *
 * @param path restore only this path inside the backup ('/'-separated, relative), or null for all
 * @param threads parallel pack readers and writers; 0 chooses by the store: cores + 1 for a local
 *     repository, 2 x cores (at least 4) for a remote one, whose reads wait on the network
 * @param delete after a restore without errors, delete what the target (or the restored path in
 *     it) holds that the backup does not, so that it is as the backup was; symlinks are deleted,
 *     never followed; what excludes and includes leave out is not deleted
 * @param excludes patterns ({@link PathPatterns}, relative to the backup's top) of entries not to
 *     restore, a directory with all it holds
 * @param includes when not empty, restore only the entries that match one, with all they hold,
 *     and the directories on the way to them
 * @param sparse leave every zero run a hole, also those of files that had no holes (whose zero
 *     runs are otherwise allocated again, as they were)
 */
public record RestoreOptions(String path, int threads, boolean delete, List<String> excludes, List<String> includes, boolean sparse) {
    public RestoreOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0: chosen by the store)");
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
        includes = includes == null ? List.of() : List.copyOf(includes);
        PathPatterns.of("exclude", excludes); // a bad pattern is refused before anything is read
        PathPatterns.of("include", includes);
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(null, 0, false, List.of(), List.of(), false);
    }

    public RestoreOptions withPath(String p) {
        return new RestoreOptions(p, threads, delete, excludes, includes, sparse);
    }

    /** The worker count for a store: {@link #threads} if set, else chosen as described there. */
    public int threadsFor(boolean remoteStore) {
        if (threads > 0) return threads;
        int cores = Runtime.getRuntime().availableProcessors();
        return remoteStore ? Math.max(4, 2 * cores) : cores + 1;
    }

    public RestoreOptions withThreads(int n) {
        return new RestoreOptions(path, n, delete, excludes, includes, sparse);
    }

    public RestoreOptions withDelete(boolean d) {
        return new RestoreOptions(path, threads, d, excludes, includes, sparse);
    }

    public RestoreOptions withPatterns(List<String> exclude, List<String> include) {
        return new RestoreOptions(path, threads, delete, exclude, include, sparse);
    }

    public RestoreOptions withSparse(boolean s) {
        return new RestoreOptions(path, threads, delete, excludes, includes, s);
    }
}
