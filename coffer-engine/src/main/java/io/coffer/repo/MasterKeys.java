package io.coffer.repo;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.AEADBadTagException;

/** Keys derived from the repository master key. */
final class MasterKeys {
    static final int PBKDF2_ITERATIONS = 310_000;
    final byte[] dataKey;
    final byte[] idKey;
    final byte[] gearSeed;

    private MasterKeys(byte[] master) {
        this.dataKey = Crypto.hkdf(master, null, "coffer data key v1", 32);
        this.idKey = Crypto.hkdf(master, null, "coffer blob id key v1", 32);
        this.gearSeed = Crypto.hkdf(master, null, "coffer chunker gear seed v1", 32);
    }

    static MasterKeys of(byte[] master) {
        return new MasterKeys(master);
    }

    static byte[] kek(Secret secret, String type, byte[] salt, int iterations) {
        return switch (secret) {
            case Secret.Password p -> {
                if (!type.equals(KeySlot.PASSWORD)) yield null;
                yield Crypto.pbkdf2(p.chars(), salt, iterations);
            }
            case Secret.KeyFile k -> {
                if (!type.equals(KeySlot.KEYFILE)) yield null;
                yield Crypto.hkdf(k.material(), salt, "coffer key file v1", 32);
            }
        };
    }

    static KeySlot wrap(byte[] master, Secret secret) {
        byte[] salt = Crypto.random(32);
        String type = secret instanceof Secret.Password ? KeySlot.PASSWORD : KeySlot.KEYFILE;
        int iterations = type.equals(KeySlot.PASSWORD) ? PBKDF2_ITERATIONS : 0;
        byte[] kek = kek(secret, type, salt, iterations);
        byte[] wrapped = Crypto.seal(kek, master, 0, master.length, "coffer master key".getBytes(StandardCharsets.US_ASCII));
        Base64.Encoder b64 = Base64.getEncoder();
        return new KeySlot(type, type.equals(KeySlot.PASSWORD) ? "pbkdf2-hmac-sha256" : "hkdf-sha256", iterations,
                b64.encodeToString(salt), b64.encodeToString(wrapped), java.time.Instant.now().toString());
    }

    /** Returns the master key, or null if this secret does not open this slot. */
    static byte[] unwrap(KeySlot slot, Secret secret) {
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] kek = kek(secret, slot.type(), b64.decode(slot.salt()), slot.iterations());
        if (kek == null) return null;
        byte[] wrapped = b64.decode(slot.wrapped());
        try {
            return Crypto.open(kek, wrapped, 0, wrapped.length, "coffer master key".getBytes(StandardCharsets.US_ASCII));
        } catch (AEADBadTagException e) {
            return null;
        }
    }
}
