package io.coffer.repo;

/**
 * Blocks gathered to be stored as one group ({@link RepoConfig#GROUPS}): their plaintexts back to
 * back, at most {@link #BYTES} in all. Each block keeps its own id. Thread-confined: a backup's
 * worker fills one with the new blocks of the region it reads, and {@link Packer#store} stores it.
 */
public final class BlockGroup {
    /**
     * The most plaintext in one group: 128 PostgreSQL pages, 16 image blocks. zstd on 1 MiB of
     * pgbench pages runs at 1,980 MB/s and keeps 1/41 of them; on the same pages 8 KiB at a time,
     * 776 MB/s and 1/18 (zstd -b1, 300 MB of pgbench_accounts). A restore that needs one block of
     * a group decodes the whole group (at about 4 GB/s).
     */
    public static final int BYTES = 1 << 20;
    static final int MAX_BLOCKS = BYTES / 4096;

    final byte[] buf = new byte[BYTES];
    final BlobId[] ids = new BlobId[MAX_BLOCKS];
    final int[] offsets = new int[MAX_BLOCKS];
    final int[] lengths = new int[MAX_BLOCKS];
    int count;
    int length;

    public boolean isEmpty() {
        return count == 0;
    }

    /** True if a block of {@code len} bytes can join this group now. */
    boolean fits(int len) {
        return count < MAX_BLOCKS && length + len <= BYTES;
    }

    void add(BlobId id, byte[] b, int off, int len) {
        System.arraycopy(b, off, buf, length, len);
        ids[count] = id;
        offsets[count] = length;
        lengths[count] = len;
        count++;
        length += len;
    }

    void clear() {
        java.util.Arrays.fill(ids, 0, count, null);
        count = 0;
        length = 0;
    }
}
