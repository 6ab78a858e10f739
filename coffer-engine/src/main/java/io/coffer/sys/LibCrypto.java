package io.coffer.sys;

import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;

/**
 * OpenSSL's PBKDF2-HMAC-SHA256 ({@code PKCS5_PBKDF2_HMAC} in {@code libcrypto.so.3}), through the
 * foreign-function API. Every command on a repository that a passphrase opens stretches it
 * first: 310,000 iterations took 350-370 ms in a fresh JVM (the JDK's HMAC runs interpreted
 * until the JIT has compiled it) and take 80-100 ms here, the same as {@code openssl kdf}.
 *
 * <p>Where the library or the API is missing ({@link #available()} false), callers use the
 * JDK's {@code PBKDF2WithHmacSHA256}; the two give the same bytes (tested).
 */
public final class LibCrypto {
    private LibCrypto() {}

    private static final class Lib {
        static final Object LOOKUP = load();

        private static Object load() {
            Object l = Posix.Api.library("libcrypto.so.3");
            return l != null ? l : Posix.Api.library("libcrypto.so");
        }

        static final MethodHandle SHA256 = Posix.Api.link(LOOKUP, true, "EVP_sha256", Posix.Api.ADDRESS);
        /** Not critical: it runs for a tenth of a second, and the JVM may need a safepoint then. */
        static final MethodHandle PBKDF2 = Posix.Api.link(LOOKUP, false, "PKCS5_PBKDF2_HMAC", Posix.Api.INT,
                Posix.Api.ADDRESS, Posix.Api.INT, Posix.Api.ADDRESS, Posix.Api.INT, Posix.Api.INT, Posix.Api.ADDRESS,
                Posix.Api.INT, Posix.Api.ADDRESS);
    }

    public static boolean available() {
        return Posix.available() && Lib.SHA256 != null && Lib.PBKDF2 != null;
    }

    /**
     * PBKDF2-HMAC-SHA256 of {@code password}'s bytes, or null when it cannot be had here (the
     * caller derives the key another way).
     */
    public static byte[] pbkdf2HmacSha256(byte[] password, byte[] salt, int iterations, int keyLength) {
        if (!available() || iterations < 1 || keyLength < 1) return null;
        try (AutoCloseable arena = Posix.Api.arena()) {
            Object pass = Posix.Api.allocate(arena, password.length);
            Object s = Posix.Api.allocate(arena, salt.length);
            Object out = Posix.Api.allocate(arena, keyLength);
            ByteBuffer pb = Posix.Api.bytes(pass);
            pb.put(password);
            Posix.Api.bytes(s).put(salt);
            try {
                Object md = (Object) Lib.SHA256.invokeExact();
                int ok = (int) Lib.PBKDF2.invokeExact(pass, password.length, s, salt.length, iterations, md, keyLength, out);
                if (ok != 1) return null;
                byte[] key = new byte[keyLength];
                ByteBuffer ob = Posix.Api.bytes(out);
                ob.get(key);
                ob.clear();
                ob.put(new byte[keyLength]);
                return key;
            } finally {
                pb.clear();
                pb.put(new byte[password.length]);
            }
        } catch (Throwable e) {
            return null;
        }
    }
}
