package io.coffer.stats;

import java.util.Locale;

/** Byte counts as people read them: {@code 512 B}, {@code 1.5 KiB}, {@code 20.3 GiB}. */
public final class HumanBytes {
    private HumanBytes() {}

    public static String of(long b) {
        if (b < 1024) return b + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }
}
