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

    byte[] encode(BlobId id, byte[] b, int off, int len) {
        byte[] enc = Codec.local(level).encode(b, off, len, compress);
        if (dataKey == null) return enc;
        return Crypto.seal(dataKey, enc, 0, enc.length, id.bytes());
    }

    /** Decodes a stored blob and checks that its plaintext hashes to {@code id}. */
    byte[] decode(String where, BlobId id, byte[] stored, int off, int len, int rawLen) {
        byte[] enc;
        if (dataKey != null) {
            try {
                enc = Crypto.open(dataKey, stored, off, len, id.bytes());
            } catch (AEADBadTagException e) {
                throw new CorruptObjectException(where, "blob " + id.shortHex() + " fails authentication (damaged)");
            }
        } else {
            enc = (off == 0 && len == stored.length) ? stored : java.util.Arrays.copyOfRange(stored, off, off + len);
        }
        byte[] plain = Codec.local(level).decode(where + " blob " + id.shortHex(), enc, rawLen);
        if (!id(plain, 0, plain.length).equals(id)) {
            throw new CorruptObjectException(where, "blob " + id.shortHex() + " does not match its hash (damaged)");
        }
        return plain;
    }
}
