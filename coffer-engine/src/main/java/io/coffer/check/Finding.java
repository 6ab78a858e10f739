package io.coffer.check;

import java.util.List;

/**
 * One problem found by a check. {@code object} is the damaged object's key; {@code affected}
 * names the backups and files that the damage hurts ("backup 3fa2c81e0b1d: etc/passwd").
 */
public record Finding(Severity severity, String object, String message, List<String> affected) {
    public enum Severity { ERROR, WARNING }

    public Finding {
        affected = List.copyOf(affected);
    }
}
