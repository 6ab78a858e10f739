package io.coffer.restore;

/**
 * Options of one restore.
 *
 * @param path restore only this path inside the backup ('/'-separated, relative), or null for all
 * @param allowExternalSymlinks create symlinks whose targets point outside the restore target
 *     (absolute or escaping with ".."); they are never followed while restoring
 * @param threads parallel pack readers and writers
 */
public record RestoreOptions(String path, boolean allowExternalSymlinks, int threads) {
    public RestoreOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(null, false, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
    }

    public RestoreOptions withPath(String p) {
        return new RestoreOptions(p, allowExternalSymlinks, threads);
    }

    public RestoreOptions withExternalSymlinks(boolean allow) {
        return new RestoreOptions(path, allow, threads);
    }
}
