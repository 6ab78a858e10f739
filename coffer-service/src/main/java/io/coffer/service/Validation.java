package io.coffer.service;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks of names, sizes, labels and containers; every failure names the field and says what is allowed. */
final class Validation {
    static final int MAX_NAME = 255;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);
    static final long MAX_SIZE = 1L << 50; // 1 PiB

    private Validation() {}

    static String name(String what, String name) {
        if (name == null || name.isEmpty()) throw ServiceException.invalid(what + " name is missing");
        if (name.length() > MAX_NAME) throw ServiceException.invalid(what + " name is " + name.length() + " characters long; at most " + MAX_NAME + " are allowed");
        if (!NAME.matcher(name).matches()) {
            throw ServiceException.invalid(what + " name '" + printable(name) + "' is not allowed: use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        return name;
    }

    static String container(String c) {
        if (!CONTAINER.matcher(c).matches()) {
            throw ServiceException.invalid("container '" + printable(c) + "' is not allowed: use 1 to 63 lowercase letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        return c;
    }

    static long size(String s) {
        if (s == null || s.isBlank()) throw ServiceException.invalid("volume size is missing: give it in bytes or with a unit, like 10GiB");
        var m = SIZE.matcher(s.trim());
        if (!m.matches()) throw ServiceException.invalid("volume size '" + printable(s) + "' is not a size: give bytes or a number with a unit (KiB, MiB, GiB, TiB)");
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw ServiceException.invalid("volume size '" + printable(s) + "' is too large");
        }
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
        int shift = unit.isEmpty() || unit.equals("B") ? 0 : switch (unit.charAt(0)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 40;
        };
        if (n <= 0) throw ServiceException.invalid("volume size must be positive, not '" + printable(s) + "'");
        if (n > (MAX_SIZE >> shift)) throw ServiceException.invalid("volume size '" + printable(s) + "' is larger than the maximum of 1 PiB");
        return n << shift;
    }

    static Map<String, String> labels(String what, Map<String, String> labels) {
        if (labels == null) return Map.of();
        if (labels.size() > 64) throw ServiceException.invalid(what + " has " + labels.size() + " entries; at most 64 are allowed");
        for (var e : labels.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().length() > 255) {
                throw ServiceException.invalid(what + " keys must be 1 to 255 characters long");
            }
            if (e.getValue() == null) throw ServiceException.invalid(what + " '" + printable(e.getKey()) + "' has no value");
            if (e.getValue().length() > 1024) throw ServiceException.invalid(what + " '" + printable(e.getKey()) + "' is longer than 1024 characters");
        }
        return Map.copyOf(labels);
    }

    static String text(String what, String s, int max) {
        if (s != null && s.length() > max) throw ServiceException.invalid(what + " is " + s.length() + " characters long; at most " + max + " are allowed");
        return s;
    }

    /** A value safe to echo in a message: short, no control characters. */
    static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
