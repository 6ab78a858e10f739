package io.coffer.repo;

/**
 * A {@code keys/<id>} object: the master key wrapped (AES-256-GCM) under a key-encryption key
 * derived from a password (PBKDF2-HMAC-SHA256) or from a key file (HKDF-SHA256).
 */
record KeySlot(String type, String kdf, int iterations, String salt, String wrapped, String created) {
    static final String PASSWORD = "password";
    static final String KEYFILE = "keyfile";
}
