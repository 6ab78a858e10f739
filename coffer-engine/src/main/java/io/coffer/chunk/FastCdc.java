package io.coffer.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * FastCDC content-defined chunking (Xia et al., 2016) with normalized chunking at level 2: a gear
 * rolling hash, a stricter mask before the average size and a looser one after it, no cut before
 * {@code min}, a forced cut at {@code max}. The gear table comes from a per-repository seed, so
 * chunk boundaries do not reveal content across repositories. Stateless and thread-safe.
 */
public final class FastCdc {
    private final long[] gear = new long[256];
    private final int min;
    private final int avg;
    private final int max;
    private final long maskS;
    private final long maskL;
    /** The cut of a window whose bytes from {@code min} to {@code max} are all zero. */
    private final int zeroCut;

    public FastCdc(int min, int avg, int max, byte[] seed) {
        if (!(min > 0 && min < avg && avg < max) || Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("bad FastCDC sizes " + min + "/" + avg + "/" + max);
        }
        this.min = min;
        this.avg = avg;
        this.max = max;
        int bits = Integer.numberOfTrailingZeros(avg);
        // Masks over the high bits of the 64-bit gear hash (the bits influenced by the last 64 bytes).
        this.maskS = ((1L << (bits + 2)) - 1) << (64 - (bits + 2));
        this.maskL = ((1L << (bits - 2)) - 1) << (64 - (bits - 2));
        fillGear(seed);
        this.zeroCut = scan(new byte[max], 0, max, false);
    }

    private void fillGear(byte[] seed) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < 256; i += 4) {
                md.update(seed);
                md.update((byte) i);
                ByteBuffer bb = ByteBuffer.wrap(md.digest());
                for (int j = 0; j < 4; j++) gear[i + j] = bb.getLong();
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int min() {
        return min;
    }

    public int max() {
        return max;
    }

    /**
     * Length of the next chunk of {@code buf[off, off+len)}. When fewer than {@code max} bytes are
     * available and {@code eof} is false, the caller must supply more data first unless the
     * returned cut lies inside the window (a return value of -1 asks for more).
     */
    public int cut(byte[] buf, int off, int len, boolean eof) {
        // A run of zeros (the holes of an image) is cut where any run of zeros is: no need to
        // hash it byte by byte. The check is vectorized; the result is the same by construction.
        if (len >= max && zeros(buf, off + min, off + max)) return zeroCut;
        return scan(buf, off, len, eof);
    }

    /** True if {@code b[from, to)} is all zero: the first byte is, and each equals the next. */
    static boolean zeros(byte[] b, int from, int to) {
        return b[from] == 0 && java.util.Arrays.mismatch(b, from, to - 1, b, from + 1, to) < 0;
    }

    /** {@link #cut} hashing every byte (the definition; the zero fast path must agree with it). */
    int scan(byte[] buf, int off, int len, boolean eof) {
        if (len <= min) return eof ? len : -1;
        int n = Math.min(len, max);
        int normal = Math.min(avg, n);
        long h = 0;
        int i = min;
        final long[] g = gear;
        for (; i < normal; i++) {
            h = (h << 1) + g[buf[off + i] & 0xff];
            if ((h & maskS) == 0) return i + 1;
        }
        for (; i < n; i++) {
            h = (h << 1) + g[buf[off + i] & 0xff];
            if ((h & maskL) == 0) return i + 1;
        }
        if (n == max) return max;
        return eof ? len : -1;
    }
}
