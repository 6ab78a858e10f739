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
        return encodeShared(id, b, off, len, false);
    }

    /** Like {@link #encodeShared(BlobId, byte[], int, int)}; {@code harder}: see {@link Codec#harderLevel}. */
    Codec.Encoded encodeShared(BlobId id, byte[] b, int off, int len, boolean harder) {
        return sealed(id, Codec.local(level).encodeShared(b, off, len, compress, harder));
    }

    /** The stored form of an encoding: itself, or sealed under the data key with the id as associated data. */
    private Codec.Encoded sealed(BlobId id, Codec.Encoded enc) {
        if (dataKey == null) return enc;
        byte[] sealed = Crypto.seal(dataKey, enc.buf(), 0, enc.length(), id.bytes());
        return new Codec.Encoded(sealed, sealed.length);
    }

    /**
     * Encodes a blob against the plaintext {@code ref} of blob {@code refId} when that saves at
     * least a quarter of the standalone encoding, else alone; like {@link #encodeShared(BlobId,
     * byte[], int, int)} the result lives in this thread's buffer until its next encode.
     */
    Codec.Encoded encodeShared(BlobId id, byte[] b, int off, int len, BlobId refId, byte[] ref) {
        if (ref == null || !compress) return encodeShared(id, b, off, len);
        Codec codec = Codec.local(level);
        int alone = codec.encodeShared(b, off, len, true).length();
        Codec.Encoded enc = codec.encodeAgainst(b, off, len, refId, ref);
        if (enc.length() > alone - alone / 4) enc = codec.encodeShared(b, off, len, true);
        return sealed(id, enc);
    }

    /**
     * Associated data of a sealed group: a group has no id of its own (each of its blobs is
     * verified against its own id once the group is opened), so the AAD binds the ciphertext to
     * being a group of this many bytes.
     */
    static byte[] groupAad(int groupLength) {
        byte[] aad = java.util.Arrays.copyOf(GROUP_AAD, GROUP_AAD.length + 4);
        java.nio.ByteBuffer.wrap(aad, GROUP_AAD.length, 4).putInt(groupLength);
        return aad;
    }

    private static final byte[] GROUP_AAD = "coffer block group".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The stored form of a group: its blobs' plaintexts back to back ({@code b[off, off + len)}),
     * compressed as one and, when encrypted, sealed as one; in this thread's buffer like
     * {@link #encodeShared(BlobId, byte[], int, int)}.
     */
    Codec.Encoded encodeGroup(byte[] b, int off, int len, boolean harder) {
        Codec.Encoded enc = Codec.local(level).encodeShared(b, off, len, compress, harder);
        if (dataKey == null) return enc;
        byte[] sealed = Crypto.seal(dataKey, enc.buf(), 0, enc.length(), groupAad(len));
        return new Codec.Encoded(sealed, sealed.length);
    }

    /**
     * Decodes a stored group into {@code dst[0, groupLength)}. Returns null, or what is wrong (the
     * caller names the object). Its blobs are not verified here: each is checked against its own
     * id by {@link #matches} when it is used.
     */
    String decodeGroupInto(byte[] stored, int off, int len, byte[] dst, int groupLength) {
        byte[] enc = stored;
        int encOff = off;
        int encLen = len;
        if (dataKey != null) {
            try {
                enc = Crypto.open(dataKey, stored, off, len, groupAad(groupLength));
            } catch (AEADBadTagException e) {
                return "group of " + groupLength + " bytes fails authentication (damaged)";
            }
            encOff = 0;
            encLen = enc.length;
        }
        if (encLen >= 1 && enc[encOff] == Codec.ZSTD_REF) return "group of " + groupLength + " bytes is encoded against a reference, which groups may not be";
        String bad = Codec.local(level).decodeInto(enc, encOff, encLen, dst, 0, groupLength, null);
        return bad == null ? null : "group of " + groupLength + " bytes: " + bad;
    }

    /** True if {@code b[off, off + len)} hashes to {@code id}. */
    boolean matches(BlobId id, byte[] b, int off, int len) {
        return hashers.get().matches(id, b, off, len);
    }

    /** Gives the plaintext of a blob another one is encoded against. */
    @FunctionalInterface
    interface Refs {
        /** The verified plaintext of {@code ref}; throws {@link RepositoryException} when it cannot be had. */
        byte[] plaintext(BlobId ref);
    }

    /** Decodes a stored blob and checks that its plaintext hashes to {@code id}. */
    byte[] decode(String where, BlobId id, byte[] stored, int off, int len, int rawLen) {
        return decode(where, id, stored, off, len, rawLen, null);
    }

    /** Like {@link #decode(String, BlobId, byte[], int, int, int)}, resolving a reference through {@code refs}. */
    byte[] decode(String where, BlobId id, byte[] stored, int off, int len, int rawLen, Refs refs) {
        byte[] plain = new byte[rawLen];
        String bad = decodeInto(id, stored, off, len, plain, 0, rawLen, refs);
        if (bad != null) throw new CorruptObjectException(where, bad);
        return plain;
    }

    /**
     * Decodes a stored blob into {@code dst[dstOff, dstOff + rawLen)} and checks that it hashes
     * to {@code id}. Returns null, or what is wrong (the caller names the object); on failure the
     * bytes at {@code dst[dstOff...]} are undefined.
     */
    String decodeInto(BlobId id, byte[] stored, int off, int len, byte[] dst, int dstOff, int rawLen) {
        return decodeInto(id, stored, off, len, dst, dstOff, rawLen, null);
    }

    /**
     * Like {@link #decodeInto(BlobId, byte[], int, int, byte[], int, int)}; a blob encoded against
     * a reference gets the reference's plaintext from {@code refs} (null: it may have none).
     */
    String decodeInto(BlobId id, byte[] stored, int off, int len, byte[] dst, int dstOff, int rawLen, Refs refs) {
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
        byte[] ref = null;
        BlobId refId = Codec.referenceOf(enc, encOff, encLen);
        if (refId != null && refs != null) {
            if (refId.equals(id)) return "blob " + id.shortHex() + " is encoded against itself";
            try {
                ref = refs.plaintext(refId);
            } catch (RepositoryException e) {
                return "blob " + id.shortHex() + " is stored against blob " + refId.shortHex() + ", which cannot be read: " + e.getMessage();
            }
        }
        String bad = Codec.local(level).decodeInto(enc, encOff, encLen, dst, dstOff, rawLen, ref);
        if (bad != null) return "blob " + id.shortHex() + ": " + bad;
        if (!hashers.get().matches(id, dst, dstOff, rawLen)) return "blob " + id.shortHex() + " does not match its hash (damaged)";
        return null;
    }
}
