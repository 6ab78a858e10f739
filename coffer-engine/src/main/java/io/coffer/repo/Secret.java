package io.coffer.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What opens an encrypted repository: a passphrase (stretched with PBKDF2) or the bytes of a key
 * file (at least 32 bytes of high-entropy material, used through HKDF).
 */
public sealed interface Secret {
    record Password(char[] chars) implements Secret {
        public Password {
            if (chars.length == 0) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "the password is empty");
        }
    }

    record KeyFile(byte[] material, String source) implements Secret {
        public KeyFile {
            if (material.length < 32) {
                throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                        "key file " + source + " holds " + material.length + " bytes; it needs at least 32 bytes of random data"
                                + " (create one with: head -c 32 /dev/urandom > FILE)");
            }
        }
    }

    /** Reads a password from the first line of a file (trailing newline removed). */
    static Password passwordFile(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            if (nl >= 0) s = s.substring(0, nl);
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            if (s.isEmpty()) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "password file " + file + " is empty");
            return new Password(s.toCharArray());
        } catch (IOException e) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "cannot read password file " + file + ": " + e.getMessage());
        }
    }

    static KeyFile keyFile(Path file) {
        try {
            return new KeyFile(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "cannot read key file " + file + ": " + e.getMessage());
        }
    }

    static void wipe(Secret s) {
        if (s instanceof Password p) Arrays.fill(p.chars(), '\0');
        if (s instanceof KeyFile k) Arrays.fill(k.material(), (byte) 0);
    }
}
