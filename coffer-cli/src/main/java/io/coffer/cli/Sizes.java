package io.coffer.cli;

import java.util.Locale;

/** Human-readable sizes and size parsing ("64K", "1MiB", "2G"). */
final class Sizes {
    private Sizes() {}

    static String human(long b) {
        return io.coffer.stats.HumanBytes.of(b);
    }

    static long parse(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long mul = 1;
        if (!t.isEmpty()) {
            char c = t.charAt(t.length() - 1);
            int shift = switch (c) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> 0;
            };
            if (shift > 0) {
                mul = 1L << shift;
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v < 0) throw new NumberFormatException();
            return Math.multiplyExact(v, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + s + "' is not a size (examples: 16384, 64K, 32MiB)");
        }
    }
}
