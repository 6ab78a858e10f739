package io.coffer.restore;

/**
 * Options of one restore.
 *
 * @param path restore only this path inside the backup ('/'-separated, relative), or null for all
 * @param allowExternalSymlinks create symlinks whose targets point outside the restore target
 *     (absolute or escaping with ".."); they are never followed while restoring
 * @param threads parallel pack readers and writers; 0 chooses by the store: cores + 1 for a local
 *     repository, 2 x cores (at least 4) for a remote one, whose reads wait on the network
 * @param delete after a restore without errors, delete what the target (or the restored path in
 *     it) holds that the backup does not, so that it is as the backup was; symlinks are deleted,
 *     never followed
 */
public record RestoreOptions(String path, boolean allowExternalSymlinks, int threads, boolean delete) {
    public RestoreOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0: chosen by the store)");
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(null, false, 0, false);
    }

    public RestoreOptions withPath(String p) {
        return new RestoreOptions(p, allowExternalSymlinks, threads, delete);
    }

    /** The worker count for a store: {@link #threads} if set, else chosen as described there. */
    public int threadsFor(boolean remoteStore) {
        if (threads > 0) return threads;
        int cores = Runtime.getRuntime().availableProcessors();
        return remoteStore ? Math.max(4, 2 * cores) : cores + 1;
    }

    public RestoreOptions withExternalSymlinks(boolean allow) {
        return new RestoreOptions(path, allow, threads, delete);
    }

    public RestoreOptions withThreads(int n) {
        return new RestoreOptions(path, allowExternalSymlinks, n, delete);
    }

    public RestoreOptions withDelete(boolean d) {
        return new RestoreOptions(path, allowExternalSymlinks, threads, d);
    }
}
