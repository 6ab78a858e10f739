package io.coffer.repo;

import com.github.luben.zstd.Zstd;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;

/**
 * The framing of every repository object other than packs (config, key, index, manifest, lock):
 *
 * <pre>
 *   "COFR" | kind u8 | version u8 | flags u8 | 0 u8 | body | SHA-256(everything before) [32]
 *   flags: bit0 = body is zstd-compressed, bit1 = body is AES-256-GCM sealed (nonce|ct|tag, AAD = first 8 bytes)
 * </pre>
 *
 * A flipped byte anywhere fails the trailing checksum, which is checked before anything else, so
 * corruption is told apart from a wrong key.
 */
final class Envelope {
    static final byte[] MAGIC = "COFR".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 8;
    static final int TRAILER = 32;
    static final int FLAG_ZSTD = 1;
    static final int FLAG_SEALED = 2;

    /**
     * Object kinds with the format versions this Coffer reads ({@code oldest} to {@code version}).
     * Index objects are version 2 when they list blobs in groups, else version 1.
     */
    enum Kind {
        CONFIG(1, 1, 1), KEY(2, 1, 1), INDEX(3, 1, 2), MANIFEST(4, 1, 1), LOCK(5, 1, 1);
        final int code;
        final int oldest;
        final int version;

        Kind(int code, int oldest, int version) {
            this.code = code;
            this.oldest = oldest;
            this.version = version;
        }
    }

    /** An opened object's format version and body. */
    record Opened(int version, byte[] body) {}

    private Envelope() {}

    static byte[] seal(Kind kind, byte[] payload, boolean compress, byte[] key) {
        return seal(kind, kind.oldest, payload, compress, key);
    }

    /** Like {@link #seal(Kind, byte[], boolean, byte[])}, in format {@code version} of the kind. */
    static byte[] seal(Kind kind, int version, byte[] payload, boolean compress, byte[] key) {
        if (version < kind.oldest || version > kind.version) throw new IllegalArgumentException(kind + " has no version " + version);
        int flags = 0;
        byte[] body = payload;
        if (compress) {
            body = Zstd.compress(payload, 3);
            flags |= FLAG_ZSTD;
        }
        byte[] header = {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], (byte) kind.code, (byte) version, 0, 0};
        if (key != null) {
            flags |= FLAG_SEALED;
            header[6] = (byte) flags;
            body = Crypto.seal(key, body, 0, body.length, header);
        }
        header[6] = (byte) flags;
        ByteBuffer out = ByteBuffer.allocate(HEADER + body.length + TRAILER);
        out.put(header).put(body);
        out.put(Crypto.sha256(out.array(), 0, HEADER + body.length));
        return out.array();
    }

    /**
     * Checks and opens an object. {@code key} is the repository's data key, or null when the
     * repository is not encrypted.
     *
     * @throws CorruptObjectException naming {@code name} when any check fails
     */
    static byte[] open(String name, byte[] bytes, Kind kind, byte[] key) {
        return openVersioned(name, bytes, kind, key).body();
    }

    /** Like {@link #open}, also giving the object's format version. */
    static Opened openVersioned(String name, byte[] bytes, Kind kind, byte[] key) {
        if (bytes.length < HEADER + TRAILER) throw new CorruptObjectException(name, "truncated (" + bytes.length + " bytes)");
        if (!Crypto.equalsAt(bytes, 0, MAGIC)) throw new CorruptObjectException(name, "bad magic at offset 0 (not a Coffer object)");
        int end = bytes.length - TRAILER;
        byte[] sum = Crypto.sha256(bytes, 0, end);
        if (!Arrays.equals(sum, 0, 32, bytes, end, bytes.length)) {
            throw new CorruptObjectException(name, "checksum mismatch (" + bytes.length + " bytes; the object was damaged after it was written)");
        }
        if (bytes[4] != kind.code) throw new CorruptObjectException(name, "holds object kind " + bytes[4] + ", expected " + kind);
        int version = bytes[5] & 0xff;
        if (version < kind.oldest || version > kind.version) {
            throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED, name + " has " + kind + " format version " + version + "; this Coffer reads version "
                    + (kind.oldest == kind.version ? kind.version : kind.oldest + " to " + kind.version) + " (upgrade Coffer)");
        }
        int flags = bytes[6] & 0xff;
        byte[] body = Arrays.copyOfRange(bytes, HEADER, end);
        if ((flags & FLAG_SEALED) != 0) {
            if (key == null) throw new CorruptObjectException(name, "is encrypted but the repository config says it is not");
            try {
                body = Crypto.open(key, body, 0, body.length, Arrays.copyOf(bytes, HEADER));
            } catch (AEADBadTagException e) {
                throw new RepositoryException(RepositoryException.Kind.WRONG_KEY, "cannot decrypt " + name + ": wrong key for this repository");
            }
        } else if (key != null && kind != Kind.CONFIG && kind != Kind.KEY && kind != Kind.LOCK) {
            throw new CorruptObjectException(name, "is not encrypted in an encrypted repository");
        }
        if ((flags & FLAG_ZSTD) != 0) body = Codec.decompressFrame(name, body);
        return new Opened(version, body);
    }
}
