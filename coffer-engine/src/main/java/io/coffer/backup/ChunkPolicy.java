package io.coffer.backup;

import io.coffer.repo.RepoConfig;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * Chooses how a file is cut: fixed, aligned blocks for files that change in place (database
 * relation files matched by the configured globs; raw images and devices), content-defined chunks
 * for everything else.
 */
final class ChunkPolicy {
    private final List<PathMatcher> database;
    private final int databaseBlock;
    final int imageBlock;

    ChunkPolicy(RepoConfig.Fixed fixed, List<String> extraGlobs) {
        var fs = FileSystems.getDefault();
        this.database = java.util.stream.Stream.concat(fixed.databaseGlobs().stream(), extraGlobs.stream())
                .map(g -> fs.getPathMatcher("glob:" + g)).toList();
        this.databaseBlock = fixed.databaseBlock();
        this.imageBlock = fixed.imageBlock();
    }

    /** Block size for a file at {@code rel} (relative to the backup source), or 0 for CDC. */
    int blockFor(Path rel) {
        for (PathMatcher m : database) if (m.matches(rel)) return databaseBlock;
        return 0;
    }
}
