package io.coffer.sys;

import java.nio.file.Path;

/**
 * Reads the next megabytes of a file into the page cache ahead of a reader that goes through it
 * in order: {@code posix_fadvise(POSIX_FADV_WILLNEED)} on a descriptor of its own, a window at a
 * time, so that the reader's own calls find the pages there and the kernel's readahead never
 * starts.
 *
 * <p>Why not leave it to the kernel: since Linux 6.x the kernel's readahead fills the page cache
 * with large folios (up to 2 MiB on ext4 and XFS), while the pages that {@code WILLNEED} brings in
 * are single pages. On a virtual machine whose host takes back the guest's free memory (virtio
 * free page reporting, as on Firecracker), only whole free 2 MiB blocks are given back, and large
 * folios are cut from exactly those: each one costs the host a fault before the guest can use it.
 * Reading a 641 MiB relation file with 1 MiB calls after the caches were dropped took 1.2-1.7 s of
 * system time with the kernel's readahead and 0.3 s with this (0.45 s in all; {@code
 * bench/README.md}, "Reading and writing in slices"); the pg set's full backup went from
 * 3.35-3.52 s to 2.94-3.28 s. Backups use it for the files they read as fixed blocks only: the
 * content-defined reads of the mixed set's files took about 1 s longer with it, also when only
 * the files of 16 MiB or more had it, and a restore's reads of packs gained nothing.
 *
 * <p>Every failure is silent: without the foreign-function API, or when the file cannot be
 * opened again, {@link #before} does nothing and the kernel reads ahead as before.
 */
public final class ReadAhead implements AutoCloseable {
    /** Pages are asked for a window at a time, half a window to one and a half ahead of the reader. */
    public static final int WINDOW = 8 << 20;
    /**
     * What one {@code WILLNEED} call asks for: the kernel reads at most its readahead size for
     * the device per call (128 KiB by default; 8 MiB on this project's test machines) and drops
     * the rest of the range silently.
     */
    static final int PIECE = 128 << 10;
    /** Shorter reads are left to the kernel: its readahead of a small file takes small folios. */
    public static final long MIN_LENGTH = 1 << 20;

    private static final ReadAhead NONE = new ReadAhead(-1, 0);

    private int fd;
    private final long end;
    private long ahead;

    private ReadAhead(int fd, long end) {
        this.fd = fd;
        this.end = end;
    }

    /** One that does nothing: the kernel reads ahead. */
    public static ReadAhead none() {
        return NONE;
    }

    /** A read-ahead for a reader of [from, end) of {@code file}; does nothing where it cannot. */
    public static ReadAhead of(Path file, long from, long end) {
        if (end - from < MIN_LENGTH || !Posix.available()) return NONE;
        int fd = Posix.openRead(file);
        if (fd < 0) return NONE;
        ReadAhead r = new ReadAhead(fd, end);
        r.ahead = from;
        return r;
    }

    /**
     * Called before the reader reads [pos, pos + length): when less than half a window lies
     * asked for beyond that range, asks for the next window.
     */
    public void before(long pos, long length) {
        if (fd < 0) return;
        if (ahead < pos) ahead = pos; // the reader skipped a hole
        long read = pos + length;
        if (ahead >= Math.min(end, read + WINDOW / 2)) return;
        long to = Math.min(end, Math.max(read, ahead) + WINDOW);
        if (!advise(fd, ahead, to)) close();
        ahead = to;
    }

    private static boolean advise(int fd, long from, long to) {
        for (long at = from; at < to; at += PIECE) {
            if (!Posix.fadvise(fd, at, Math.min(PIECE, to - at), Posix.POSIX_FADV_WILLNEED)) return false;
        }
        return true;
    }

    @Override
    public void close() {
        if (fd >= 0) Posix.close(fd);
        fd = -1;
    }
}
