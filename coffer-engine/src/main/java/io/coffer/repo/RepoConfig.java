package io.coffer.repo;

import java.util.List;
import java.util.Set;

/**
 * The repository's {@code config} object: everything a reader must know to interpret the rest.
 * Chunker parameters are fixed at init, because deduplication depends on them.
 */
public record RepoConfig(
        int version,
        String id,
        String created,
        List<String> requiredFeatures,
        String hash,
        Compression compression,
        Cdc cdc,
        Fixed fixed,
        long packSize,
        long treePackSize,
        Encryption encryption) {

    public static final int FORMAT_VERSION = 1;
    /** Features this build understands; a repository requiring anything else is refused. */
    public static final Set<String> KNOWN_FEATURES = Set.of("packs-v1", "fastcdc", "fixed-blocks", "zstd", "zero-blocks", "aes-256-gcm", RepoConfig.REFERENCES, RepoConfig.GROUPS,
            RepoConfig.CHUNK_LISTS);
    /**
     * Tree blobs may be stored against a reference (codec 2). Written only to repositories that
     * require it, so that a Coffer which cannot read them refuses the repository instead of
     * reporting those blobs as damaged.
     */
    public static final String REFERENCES = "blob-references";
    /**
     * Consecutive new fixed blocks of a file (database pages, image blocks) are stored in groups:
     * one compressed (and sealed) frame holding up to {@code Packer.GROUP_BYTES} of blocks, each
     * block still a blob of its own with its own id and index entry (pack format 2, index format
     * 2). Written only to repositories that require it.
     */
    public static final String GROUPS = "block-groups";
    /**
     * The chunk references of a large file are stored in blobs of their own, one per span of the
     * file ({@link ChunkLists}), so that no tree and no process holds a reference per block of a
     * whole database. Written only to repositories that require it.
     */
    public static final String CHUNK_LISTS = "chunk-lists";

    public record Compression(String algorithm, int level) {
        public Compression {
            if (!algorithm.equals("zstd") && !algorithm.equals("none")) {
                throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "unknown compression '" + algorithm + "' (use zstd or none)");
            }
            if (algorithm.equals("zstd") && (level < -7 || level > 19)) {
                throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "zstd level " + level + " out of range -7..19");
            }
        }
    }

    /** FastCDC parameters; {@code gearSeed} is hex, absent when derived from the master key. */
    public record Cdc(int min, int avg, int max, String gearSeed) {
        public Cdc {
            if (!(min >= 64 && min < avg && avg < max && max <= 64 << 20) || Integer.bitCount(avg) != 1) {
                throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                        "bad chunker sizes min=" + min + " avg=" + avg + " max=" + max + " (need 64 <= min < avg < max <= 64 MiB, avg a power of two)");
            }
        }
    }

    /**
     * Fixed-block chunking for files that change in place. {@code databaseBlock} applies to files
     * matching {@code databaseGlobs}, {@code imageBlock} to raw images and block devices.
     */
    public record Fixed(int databaseBlock, int imageBlock, List<String> databaseGlobs) {
        public Fixed {
            for (int b : new int[] {databaseBlock, imageBlock}) {
                if (b < 4096 || b > 16 << 20 || b % 4096 != 0) {
                    throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                            "fixed block size " + b + " must be a multiple of 4096 between 4 KiB and 16 MiB");
                }
            }
            databaseGlobs = List.copyOf(databaseGlobs);
        }
    }

    public record Encryption(String cipher, String idHash) {}

    public static final List<String> DEFAULT_DATABASE_GLOBS = List.of(
            "**/base/*/*", "**/global/*", "base/*/*", "global/*",
            "**/*.ibd", "*.ibd", "**/ibdata*", "ibdata*");

    public boolean chunkLists() {
        return requiredFeatures.contains(CHUNK_LISTS);
    }

    public boolean blockGroups() {
        return requiredFeatures.contains(GROUPS);
    }

    public boolean encrypted() {
        return encryption != null;
    }

    void validate(String where) {
        if (version != FORMAT_VERSION) {
            throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED,
                    "repository format version " + version + " at " + where + " is not supported by this Coffer (it reads version " + FORMAT_VERSION + ")");
        }
        for (String f : requiredFeatures) {
            if (!KNOWN_FEATURES.contains(f)) {
                throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED,
                        "repository at " + where + " requires feature '" + f + "' that this Coffer does not know; upgrade Coffer");
            }
        }
    }
}
