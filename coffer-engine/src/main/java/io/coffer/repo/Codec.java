package io.coffer.repo;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;

/**
 * zstd with a reusable context per thread. Data that does not shrink below 97 % of its size is
 * stored raw. Thread-confined: get one per thread from {@link #local(int)}.
 */
final class Codec {
    static final int RAW = 0;
    static final int ZSTD = 1;
    private static final ThreadLocal<Codec> LOCAL = new ThreadLocal<>();

    private final int level;
    private final ZstdCompressCtx cctx = new ZstdCompressCtx();
    private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    private byte[] scratch = new byte[0];

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
     * Encodes {@code len} bytes as codec byte + payload. Returns the encoded bytes; the first byte
     * is {@link #RAW} or {@link #ZSTD}.
     */
    byte[] encode(byte[] src, int off, int len, boolean tryCompress) {
        if (tryCompress && len >= 64) {
            int bound = (int) Zstd.compressBound(len) + 1;
            if (scratch.length < bound) scratch = new byte[bound];
            int n = cctx.compressByteArray(scratch, 1, scratch.length - 1, src, off, len);
            if (n < len - len / 32) {
                byte[] out = new byte[n + 1];
                out[0] = ZSTD;
                System.arraycopy(scratch, 1, out, 1, n);
                return out;
            }
        }
        byte[] out = new byte[len + 1];
        out[0] = RAW;
        System.arraycopy(src, off, out, 1, len);
        return out;
    }

    /** Decodes codec byte + payload into exactly {@code rawLen} bytes. */
    byte[] decode(String where, byte[] enc, int rawLen) {
        if (enc.length < 1) throw new CorruptObjectException(where, "empty blob encoding");
        if (enc[0] == RAW) {
            if (enc.length - 1 != rawLen) throw new CorruptObjectException(where, "raw length " + (enc.length - 1) + " != expected " + rawLen);
            return java.util.Arrays.copyOfRange(enc, 1, enc.length);
        }
        if (enc[0] != ZSTD) throw new CorruptObjectException(where, "unknown codec " + enc[0]);
        byte[] out = new byte[rawLen];
        try {
            int n = dctx.decompressByteArray(out, 0, rawLen, enc, 1, enc.length - 1);
            if (n != rawLen) throw new CorruptObjectException(where, "decompressed to " + n + " bytes, expected " + rawLen);
        } catch (ZstdException e) {
            throw new CorruptObjectException(where, "zstd: " + e.getMessage());
        }
        return out;
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
