package io.coffer.repo;

/** Choices made once, when a repository is created. */
public record InitOptions(
        RepoConfig.Compression compression,
        int cdcMin,
        int cdcAvg,
        int cdcMax,
        RepoConfig.Fixed fixed,
        long packSize,
        long treePackSize,
        boolean blockGroups) {

    public static final int MIB = 1 << 20;

    public InitOptions {
        if (packSize < MIB || packSize > 1024L * MIB) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "pack size " + packSize + " must be between 1 MiB and 1 GiB");
        }
        if (treePackSize < 64 * 1024 || treePackSize > packSize) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "tree pack size " + treePackSize + " must be between 64 KiB and the pack size");
        }
    }

    public static InitOptions defaults() {
        return new InitOptions(new RepoConfig.Compression("zstd", 1), 256 * 1024, MIB, 4 * MIB,
                new RepoConfig.Fixed(8 * 1024, 64 * 1024, RepoConfig.DEFAULT_DATABASE_GLOBS), 32L * MIB, 8L * MIB, true);
    }

    public InitOptions withChunker(int min, int avg, int max) {
        return new InitOptions(compression, min, avg, max, fixed, packSize, treePackSize, blockGroups);
    }

    public InitOptions withFixed(RepoConfig.Fixed f) {
        return new InitOptions(compression, cdcMin, cdcAvg, cdcMax, f, packSize, treePackSize, blockGroups);
    }

    public InitOptions withCompression(RepoConfig.Compression c) {
        return new InitOptions(c, cdcMin, cdcAvg, cdcMax, fixed, packSize, treePackSize, blockGroups);
    }

    public InitOptions withPackSize(long data, long tree) {
        return new InitOptions(compression, cdcMin, cdcAvg, cdcMax, fixed, data, tree, blockGroups);
    }

    /**
     * Whether fixed blocks are stored in groups ({@link RepoConfig#GROUPS}); off only for a
     * repository that older Coffers must still read.
     */
    public InitOptions withBlockGroups(boolean on) {
        return new InitOptions(compression, cdcMin, cdcAvg, cdcMax, fixed, packSize, treePackSize, on);
    }
}
