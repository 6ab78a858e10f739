package io.coffer.repo;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

/**
 * zstd with a reusable context per thread. Data that does not shrink below 97 % of its size is
 * stored raw. Thread-confined: get one per thread from {@link #local(int)}.
 *
 * <p>A blob may also be stored against a reference ({@link #ZSTD_REF}): a zstd frame compressed
 * with the plaintext of another blob as its dictionary, so that a large tree that changed a little
 * since the parent backup costs what changed, not the whole tree again.
 */
final class Codec {
    static final int RAW = 0;
    static final int ZSTD = 1;
    /** codec byte | reference blob id[32] | zstd frame compressed against the reference's plaintext */
    static final int ZSTD_REF = 2;
    static final int REF_HEADER = 1 + 32;
    private static final ThreadLocal<Codec> LOCAL = new ThreadLocal<>();

    private final int level;
    private final ZstdCompressCtx cctx = new ZstdCompressCtx();
    /** A context at {@link #harderLevel}, made on first use. */
    private ZstdCompressCtx harderCtx;
    private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    private byte[] scratch = new byte[0];

    /**
     * The level for data a backup with a parent stores in chunks of more than 64 KiB: 3 when the
     * repository's level is 1 or 2, else the repository's. Such a backup stores little new data,
     * and what it stores is mostly what every incremental stores again, a database's WAL first
     * (8 KiB pages do not gain: each compresses alone at level 1 about as well as at 3). A 16 MiB
     * PostgreSQL WAL segment in 1 MiB chunks: 1,975,131 bytes at level 1 (830 MB/s), 1,601,508 at
     * level 3 (693 MB/s). A full backup keeps the repository's level: on a tree of binaries level 3
     * runs at two thirds of level 1's speed for a tenth less. Readers need not know: a zstd frame
     * decodes the same whatever its level.
     */
    static int harderLevel(int level) {
        return level == 1 || level == 2 ? 3 : level;
    }

    /** Chunks larger than this get {@link #harderLevel} when asked for. */
    static final int HARDER_ABOVE = 64 << 10;

    private Codec(int level) {
        this.level = level;
        cctx.setLevel(level);
    }

    static Codec local(int level) {
        Codec c = LOCAL.get();
        if (c == null || c.level != level) {
            c = new Codec(level);
            LOCAL.set(c);
        }
        return c;
    }

    /**
     * Encodes {@code len} bytes as codec byte + payload, into a new array; the first byte is
     * {@link #RAW} or {@link #ZSTD}.
     */
    byte[] encode(byte[] src, int off, int len, boolean tryCompress) {
        Encoded e = encodeShared(src, off, len, tryCompress);
        return java.util.Arrays.copyOf(e.buf(), e.length());
    }

    /**
     * Like {@link #encode} but into this thread's scratch buffer, which holds the result (from
     * index 0, {@code length} bytes) until the next call on this thread: no allocation per blob.
     */
    Encoded encodeShared(byte[] src, int off, int len, boolean tryCompress) {
        return encodeShared(src, off, len, tryCompress, false);
    }

    /** Like {@link #encodeShared(byte[], int, int, boolean)}, at {@link #harderLevel} when {@code harder} and the chunk is large. */
    Encoded encodeShared(byte[] src, int off, int len, boolean tryCompress, boolean harder) {
        int bound = (int) Math.max(len, tryCompress && len >= 64 ? Zstd.compressBound(len) : 0) + 1;
        if (scratch.length < bound) scratch = new byte[bound];
        if (tryCompress && len >= 64) {
            int n = ctx(harder && len > HARDER_ABOVE).compressByteArray(scratch, 1, scratch.length - 1, src, off, len);
            if (n < len - len / 32) {
                scratch[0] = ZSTD;
                return new Encoded(scratch, n + 1);
            }
        }
        scratch[0] = RAW;
        System.arraycopy(src, off, scratch, 1, len);
        return new Encoded(scratch, len + 1);
    }

    private ZstdCompressCtx ctx(boolean harder) {
        if (!harder || harderLevel(level) == level) return cctx;
        if (harderCtx == null) {
            harderCtx = new ZstdCompressCtx();
            harderCtx.setLevel(harderLevel(level));
        }
        return harderCtx;
    }

    /**
     * Encodes {@code len} bytes against the plaintext {@code ref} of blob {@code refId}, into this
     * thread's scratch buffer like {@link #encodeShared}. Matches anywhere in the reference are
     * found (the window covers it whole), so bytes the reference holds cost a few bytes each run.
     */
    Encoded encodeAgainst(byte[] src, int off, int len, BlobId refId, byte[] ref) {
        int bound = (int) Zstd.compressBound(len) + REF_HEADER;
        if (scratch.length < bound) scratch = new byte[bound];
        try (ZstdCompressCtx c = new ZstdCompressCtx()) {
            c.setLevel(level);
            // The window must reach back over the whole reference, and the hash table must hold
            // enough of it: with one slot per 2-4 bytes of reference (hashLog = bits - 2) a 6.5 MB
            // tree against its parent's encodes to 281 kB in 36 ms at level 1; a slot per 8-16
            // bytes loses most matches (1.5 MB), and a slot per byte (hashLog 23) finds no more
            // but takes 118 ms, on the critical path at the end of an incremental backup.
            int bits = 64 - Long.numberOfLeadingZeros(ref.length);
            c.setWindowLog(Math.max(20, Math.min(30, 64 - Long.numberOfLeadingZeros((long) ref.length + len))));
            c.setHashLog(Math.max(17, Math.min(24, bits - 2)));
            c.loadDict(ref);
            int n = c.compressByteArray(scratch, REF_HEADER, scratch.length - REF_HEADER, src, off, len);
            scratch[0] = ZSTD_REF;
            System.arraycopy(refId.bytes(), 0, scratch, 1, BlobId.BYTES);
            return new Encoded(scratch, REF_HEADER + n);
        }
    }

    /** The reference an encoding names, or null if it stands alone. */
    static BlobId referenceOf(byte[] enc, int off, int len) {
        if (len < REF_HEADER || enc[off] != ZSTD_REF) return null;
        return BlobId.of(enc, off + 1);
    }

    /** Encoded bytes: {@code buf[0, length)}. */
    record Encoded(byte[] buf, int length) {}

    /** Decodes codec byte + payload into exactly {@code rawLen} bytes. */
    byte[] decode(String where, byte[] enc, int rawLen) {
        byte[] out = new byte[rawLen];
        String bad = decodeInto(enc, 0, enc.length, out, 0, rawLen);
        if (bad != null) throw new CorruptObjectException(where, bad);
        return out;
    }

    /**
     * Decodes the codec byte + payload in {@code enc[off, off + len)} into exactly {@code rawLen}
     * bytes at {@code dst[dstOff]}. Returns null, or what is wrong with the encoding (the caller
     * names the object).
     */
    String decodeInto(byte[] enc, int off, int len, byte[] dst, int dstOff, int rawLen) {
        return decodeInto(enc, off, len, dst, dstOff, rawLen, null);
    }

    /**
     * Like {@link #decodeInto(byte[], int, int, byte[], int, int)}; {@code ref} is the plaintext
     * of the blob an encoding against a reference names ({@link #referenceOf}), null for a blob
     * that may not have one.
     */
    String decodeInto(byte[] enc, int off, int len, byte[] dst, int dstOff, int rawLen, byte[] ref) {
        if (len < 1) return "empty blob encoding";
        if (enc[off] == ZSTD_REF) {
            if (ref == null) return "encoded against a reference where none may be";
            if (len < REF_HEADER) return "truncated reference header";
            try (ZstdDecompressCtx d = new ZstdDecompressCtx()) {
                d.loadDict(ref);
                int n = d.decompressByteArray(dst, dstOff, rawLen, enc, off + REF_HEADER, len - REF_HEADER);
                if (n != rawLen) return "decompressed to " + n + " bytes, expected " + rawLen;
            } catch (ZstdException e) {
                return "zstd: " + e.getMessage();
            }
            return null;
        }
        if (enc[off] == RAW) {
            if (len - 1 != rawLen) return "raw length " + (len - 1) + " != expected " + rawLen;
            System.arraycopy(enc, off + 1, dst, dstOff, rawLen);
            return null;
        }
        if (enc[off] != ZSTD) return "unknown codec " + enc[off];
        try {
            int n = dctx.decompressByteArray(dst, dstOff, rawLen, enc, off + 1, len - 1);
            if (n != rawLen) return "decompressed to " + n + " bytes, expected " + rawLen;
        } catch (ZstdException e) {
            return "zstd: " + e.getMessage();
        }
        return null;
    }

    /** Decompresses a whole zstd frame whose size is recorded in it. */
    static byte[] decompressFrame(String where, byte[] frame) {
        long size = Zstd.getFrameContentSize(frame);
        if (size < 0 || size > Integer.MAX_VALUE - 16) throw new CorruptObjectException(where, "bad zstd frame header");
        try {
            byte[] out = Zstd.decompress(frame, (int) size);
            if (out.length != size) throw new CorruptObjectException(where, "zstd frame decoded to the wrong size");
            return out;
        } catch (ZstdException e) {
            throw new CorruptObjectException(where, "zstd: " + e.getMessage());
        }
    }
}
