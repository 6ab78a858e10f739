package io.coffer.repo;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Computes blob ids: SHA-256, or HMAC-SHA256 under the id key. One instance per thread. */
final class Hasher {
    private final MessageDigest sha;
    private final Mac mac;

    Hasher(byte[] idKey) {
        try {
            if (idKey == null) {
                sha = MessageDigest.getInstance("SHA-256");
                mac = null;
            } else {
                sha = null;
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(idKey, "HmacSHA256"));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private final byte[] digest = new byte[32];

    /** True if {@code b[off, off + len)} hashes to {@code id}; allocates nothing. */
    boolean matches(BlobId id, byte[] b, int off, int len) {
        digest(b, off, len);
        return id.equalsBytes(digest);
    }

    /** The id of {@code b[off, off + len)}; allocates only the id. */
    BlobId id(byte[] b, int off, int len) {
        digest(b, off, len);
        return BlobId.of(digest, 0);
    }

    private void digest(byte[] b, int off, int len) {
        try {
            if (sha != null) {
                sha.update(b, off, len);
                sha.digest(digest, 0, digest.length);
            } else {
                mac.update(b, off, len);
                mac.doFinal(digest, 0);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
