package io.coffer.restore;

import io.coffer.repo.Node;
import java.nio.file.Path;
import java.util.Map;

/**
 * One regular file to write. Keeps only what writing and finishing need, as plain fields (not
 * the node, nor its chunk list, which lives in the pack plan), so that a batch of many small
 * files stays small.
 */
final class FileJob {
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<FileJob> REMAINING =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(FileJob.class, "remaining");
    final Path path;
    final long size;
    final long mtime;
    final int mode;
    final int uid;
    final int gid;
    final boolean endsWithHole;
    /** The file had no holes (its zero runs were allocated zeros): they are allocated again. */
    final boolean allocated;
    /** The data extents of a file that had holes (start and end pairs), allocated again; null when not recorded. */
    final long[] extents;
    final Map<String, String> xattrs;
    /** Blobs still to be written, plus one while the file is being planned. */
    volatile int remaining;
    volatile boolean failed;
    boolean created;
    /**
     * Held while a batch is written to this file: one writer at a time. The file system takes the
     * inode's lock for every write anyway, and the threads waiting for it there spin
     * ({@code rwsem_spin_on_owner}: 12 % of a 25 GB restore's CPU, beside the copies they wait
     * for); waiting here, they sleep.
     */
    final Object writing = new Object();
    /** Bytes written to the file so far (under {@link #writing}); taken back from the count if it fails. */
    long bytesWritten;

    FileJob(Path path, Node n) {
        this.path = path;
        this.size = n.size() == null ? 0 : n.size();
        this.mtime = n.mtime() == null ? Metadata.NO_TIME : n.mtime();
        this.mode = n.mode() == null ? Metadata.NONE : n.mode();
        boolean owner = n.uid() != null && n.gid() != null;
        this.uid = owner ? n.uid() : Metadata.NONE;
        this.gid = owner ? n.gid() : Metadata.NONE;
        // a listed file's last reference is in its last list, not read yet: its length is set
        // when it is created, which is right whatever it ends with
        this.endsWithHole = io.coffer.repo.ChunkLists.listed(n.content())
                || !n.content().isEmpty() && Node.isZero(n.content().get(n.content().size() - 1));
        this.xattrs = n.xattrs();
        this.allocated = Boolean.TRUE.equals(n.allocated());
        this.extents = extents(n.extents(), size);
    }

    /** Recorded extents as pairs in order within the file, or null when there are none or they make no sense. */
    static long[] extents(java.util.List<Long> e, long size) {
        if (e == null || e.isEmpty() || e.size() % 2 != 0) return null;
        long[] out = new long[e.size()];
        long last = 0;
        for (int i = 0; i < out.length; i += 2) {
            long from = e.get(i), to = e.get(i + 1);
            if (from < last || to <= from || to > size) return null;
            out[i] = from;
            out[i + 1] = to;
            last = to;
        }
        return out;
    }

    /** Counts down {@code n} written blobs; true when that was the last of them. */
    boolean written(int n) {
        return REMAINING.addAndGet(this, -n) == 0;
    }

    void expect(int n) {
        REMAINING.addAndGet(this, n);
    }
}
