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

    BlobId id(byte[] b, int off, int len) {
        if (sha != null) {
            sha.update(b, off, len);
            return BlobId.of(sha.digest());
        }
        mac.update(b, off, len);
        return BlobId.of(mac.doFinal());
    }
}
