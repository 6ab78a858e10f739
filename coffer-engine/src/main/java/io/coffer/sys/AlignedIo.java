package io.coffer.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * File reads and writes of heap arrays through a page-aligned direct buffer of each thread's own,
 * a slice of {@link #SLICE} bytes per system call.
 *
 * <p>Why: the JDK moves a heap array through a cached direct buffer that {@code malloc} placed 16
 * bytes past a page boundary, and the kernel's copy between the page cache and a destination so
 * misaligned runs at a fraction of its speed on the AMD EPYC machines this project runs on
 * ({@code rep movsb}). Reading 4 GiB of a PostgreSQL cluster after the caches were dropped, 256
 * KiB per call: 2.9-3.5 s of system time and 4.2-5.3 s in all through the JDK's buffer, 0.62-0.66
 * s and 1.9-2.1 s through an aligned one, as fast as {@code dd}; {@code _copy_to_iter} was 83 % of
 * the JDK's run ({@code bench/README.md}, "Aligned buffers").
 *
 * <p>Slices stay at 256 KiB: larger calls make Linux take large page-cache folios, which cost a
 * fault in the host on these virtual machines ("Reading and writing in slices").
 */
public final class AlignedIo {
    /** The most one system call moves. */
    public static final int SLICE = 256 << 10;
    private static final int ALIGN = 4096;
    private static final ThreadLocal<ByteBuffer> BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SLICE + ALIGN).alignedSlice(ALIGN).limit(SLICE).slice());

    private AlignedIo() {
    }

    /**
     * Reads up to {@code len} bytes at {@code pos} into {@code dst[off, off + len)}; fewer only at
     * the end of the file. Returns how many it read.
     */
    public static int read(FileChannel ch, long pos, byte[] dst, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        ByteBuffer buf = BUFFERS.get();
        int done = 0;
        while (done < len) {
            buf.clear().limit(Math.min(SLICE, len - done));
            int r = ch.read(buf, pos + done);
            if (r < 0) break;
            buf.flip().get(dst, off + done, r);
            done += r;
        }
        return done;
    }

    /** Writes {@code src[off, off + len)} at {@code pos}, all of it; returns the number of system calls it took. */
    public static int write(FileChannel ch, long pos, byte[] src, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        ByteBuffer buf = BUFFERS.get();
        int done = 0;
        int calls = 0;
        while (done < len) {
            int n = Math.min(SLICE, len - done);
            buf.clear();
            buf.put(src, off + done, n).flip();
            while (buf.hasRemaining()) {
                ch.write(buf, pos + done + buf.position()); // advances buf's position
                calls++;
            }
            done += n;
        }
        return calls;
    }

    /** Writes what remains of {@code data} at the channel's position, all of it; {@code data}'s position ends at its limit. */
    public static void write(FileChannel ch, ByteBuffer data) throws IOException {
        if (data.isDirect()) {
            while (data.hasRemaining()) ch.write(data);
            return;
        }
        ByteBuffer buf = BUFFERS.get();
        while (data.hasRemaining()) {
            int n = Math.min(SLICE, data.remaining());
            buf.clear();
            buf.put(buf.position(), data, data.position(), n).limit(n);
            data.position(data.position() + n);
            while (buf.hasRemaining()) ch.write(buf);
        }
    }
}
