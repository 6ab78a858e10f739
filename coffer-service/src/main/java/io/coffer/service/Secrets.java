package io.coffer.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** References to secrets, {@code file:PATH} or {@code env:VAR}: the catalog stores the reference, never the secret. */
final class Secrets {
    private Secrets() {}

    /** Checks the form of a reference (null is allowed: no secret). */
    static String reference(String what, String ref) {
        if (ref == null || ref.isEmpty()) return null;
        if (!(ref.startsWith("file:") && ref.length() > 5) && !(ref.startsWith("env:") && ref.length() > 4)) {
            throw ServiceException.invalid(what + " must be a reference, file:PATH or env:VAR, never the secret itself");
        }
        return ref;
    }

    /** The secret a reference names, trimmed; a clear error when it cannot be read. */
    static String resolve(String what, String ref) {
        if (ref == null) return null;
        if (ref.startsWith("env:")) {
            String v = System.getenv(ref.substring(4));
            if (v == null) throw ServiceException.invalid(what + " refers to the environment variable " + ref.substring(4) + ", which the server does not have");
            return v.trim();
        }
        Path p = Path.of(ref.substring(5));
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            throw ServiceException.invalid(what + " refers to the file " + p + ", which the server cannot read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
