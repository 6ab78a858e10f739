package io.coffer.repo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-GCM, HKDF-SHA256 and PBKDF2-HMAC-SHA256 on the JDK's providers. */
final class Crypto {
    static final int NONCE = 12;
    static final int TAG = 16;
    static final int KEY = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Cipher.getInstance is a provider look-up: too slow to repeat for every small blob. */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });

    private Crypto() {}

    /**
     * GCM nonces: a random 96-bit base drawn once per process, XOR-ed with a per-process counter
     * in its low 64 bits. Within a process every nonce differs (the XOR is a bijection and the
     * counter does not wrap); two processes collide only if their random bases happen to differ
     * by exactly a pair of their counters, about 2^-96 per nonce pair. Drawing 12 bytes from the
     * system's random source for each of 131,072 blobs (a 1 GiB database in 8 KiB blocks) was 6%
     * of a backup's Java samples.
     */
    private static final byte[] NONCE_BASE = random(NONCE);
    private static final java.util.concurrent.atomic.AtomicLong NONCES = new java.util.concurrent.atomic.AtomicLong();
    private static final java.lang.invoke.VarHandle LONG_BE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    static byte[] nonce() {
        byte[] n = NONCE_BASE.clone();
        long low = (long) LONG_BE.get(n, NONCE - 8);
        LONG_BE.set(n, NONCE - 8, low ^ NONCES.getAndIncrement());
        return n;
    }

    static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Returns nonce || ciphertext || tag. */
    static byte[] seal(byte[] key, byte[] plain, int off, int len, byte[] aad) {
        try {
            byte[] nonce = nonce();
            Cipher c = GCM.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce));
            if (aad != null) c.updateAAD(aad);
            byte[] out = new byte[NONCE + len + TAG];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            c.doFinal(plain, off, len, out, NONCE);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Opens nonce || ciphertext || tag; throws AEADBadTagException when the key or the bytes are wrong. */
    static byte[] open(byte[] key, byte[] sealed, int off, int len, byte[] aad) throws AEADBadTagException {
        if (len < NONCE + TAG) throw new AEADBadTagException("sealed data too short");
        try {
            Cipher c = GCM.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, sealed, off, NONCE));
            if (aad != null) c.updateAAD(aad);
            return c.doFinal(sealed, off + NONCE, len - NONCE);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** HKDF-SHA256 (RFC 5869) producing {@code length} bytes. */
    static byte[] hkdf(byte[] ikm, byte[] salt, String info, int length) {
        byte[] prk = hmac(salt == null ? new byte[32] : salt, ikm);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int pos = 0;
        for (int i = 1; pos < length; i++) {
            byte[] infoBytes = info.getBytes(StandardCharsets.UTF_8);
            byte[] in = new byte[t.length + infoBytes.length + 1];
            System.arraycopy(t, 0, in, 0, t.length);
            System.arraycopy(infoBytes, 0, in, t.length, infoBytes.length);
            in[in.length - 1] = (byte) i;
            t = hmac(prk, in);
            int n = Math.min(t.length, length - pos);
            System.arraycopy(t, 0, out, pos, n);
            pos += n;
        }
        return out;
    }

    /**
     * PBKDF2-HMAC-SHA256 of the password's UTF-8 bytes (as the JDK's provider encodes them: an
     * unpaired surrogate becomes '?'), by OpenSSL where it is there, else by the JDK.
     */
    static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] pw = new byte[encoded.remaining()];
        encoded.get(pw);
        Arrays.fill(encoded.array(), (byte) 0);
        try {
            byte[] key = io.coffer.sys.LibCrypto.pbkdf2HmacSha256(pw, salt, iterations, KEY);
            if (key != null) return key;
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
        return jdkPbkdf2(password, salt, iterations);
    }

    static byte[] jdkPbkdf2(char[] password, byte[] salt, int iterations) {
        try {
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEY * 8);
            try {
                return f.generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }

    /** True when {@code b} is named by its content: its SHA-256 is the hex name {@code hex}. */
    static boolean namedBy(byte[] b, String hex) {
        return Hex.of(sha256(b, 0, b.length)).equals(hex);
    }

    static byte[] sha256(byte[] data, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, off, len);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static boolean equalsAt(byte[] a, int aOff, byte[] b) {
        return Arrays.equals(a, aOff, aOff + b.length, b, 0, b.length);
    }
}
