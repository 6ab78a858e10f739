package io.coffer.repo;

import javax.crypto.AEADBadTagException;

/** Turns plaintext blobs into their stored form and back, verifying ids on the way back. */
final class BlobCodec {
    private final byte[] dataKey;
    private final byte[] idKey;
    private final int level;
    private final boolean compress;
    private final ThreadLocal<Hasher> hashers;

    BlobCodec(RepoConfig config, MasterKeys keys) {
        this.dataKey = keys == null ? null : keys.dataKey;
        this.idKey = keys == null ? null : keys.idKey;
        this.compress = config.compression().algorithm().equals("zstd");
        this.level = config.compression().level();
        this.hashers = ThreadLocal.withInitial(() -> new Hasher(idKey));
    }

    BlobId id(byte[] b, int off, int len) {
        return hashers.get().id(b, off, len);
    }

    /** The stored form of a blob, in a new array. */
    byte[] encode(BlobId id, byte[] b, int off, int len) {
        Codec.Encoded e = encodeShared(id, b, off, len);
        return dataKey != null ? e.buf() : java.util.Arrays.copyOf(e.buf(), e.length()); // sealed: already its own array
    }

    /**
     * Encodes a blob into a buffer of this thread that stays valid until its next encode (the
     * packer copies it into the pack at once): no allocation per blob when not encrypted.
     */
    Codec.Encoded encodeShared(BlobId id, byte[] b, int off, int len) {
        Codec.Encoded enc = Codec.local(level).encodeShared(b, off, len, compress);
        if (dataKey == null) return enc;
        byte[] sealed = Crypto.seal(dataKey, enc.buf(), 0, enc.length(), id.bytes());
        return new Codec.Encoded(sealed, sealed.length);
    }

    /** Decodes a stored blob and checks that its plaintext hashes to {@code id}. */
    byte[] decode(String where, BlobId id, byte[] stored, int off, int len, int rawLen) {
        byte[] plain = new byte[rawLen];
        String bad = decodeInto(id, stored, off, len, plain, 0, rawLen);
        if (bad != null) throw new CorruptObjectException(where, bad);
        return plain;
    }

    /**
     * Decodes a stored blob into {@code dst[dstOff, dstOff + rawLen)} and checks that it hashes
     * to {@code id}. Returns null, or what is wrong (the caller names the object); on failure the
     * bytes at {@code dst[dstOff...]} are undefined.
     */
    String decodeInto(BlobId id, byte[] stored, int off, int len, byte[] dst, int dstOff, int rawLen) {
        byte[] enc = stored;
        int encOff = off;
        int encLen = len;
        if (dataKey != null) {
            try {
                enc = Crypto.open(dataKey, stored, off, len, id.bytes());
            } catch (AEADBadTagException e) {
                return "blob " + id.shortHex() + " fails authentication (damaged)";
            }
            encOff = 0;
            encLen = enc.length;
        }
        String bad = Codec.local(level).decodeInto(enc, encOff, encLen, dst, dstOff, rawLen);
        if (bad != null) return "blob " + id.shortHex() + ": " + bad;
        if (!hashers.get().matches(id, dst, dstOff, rawLen)) return "blob " + id.shortHex() + " does not match its hash (damaged)";
        return null;
    }
}
