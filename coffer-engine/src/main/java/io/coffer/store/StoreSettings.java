package io.coffer.store;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The settings every remote store reads the same way: {@code connections} and {@code timeout}. */
public final class StoreSettings {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})\\s*(ms|s|m)?");

    private StoreSettings() {}

    /** {@code connections}: the most requests at once, 1 to 256 (default 16). */
    public static int connections(Map<String, String> settings) {
        String conn = settings.getOrDefault("connections", "16").trim();
        int n = conn.matches("\\d{1,3}") ? Integer.parseInt(conn) : -1;
        if (n < 1 || n > 256) throw new IllegalArgumentException("connections must be 1 to 256, not '" + conn + "'");
        return n;
    }

    /**
     * {@code timeout}: how long one request may wait for the server to answer (default 60 s; "30s",
     * "500ms", "2m", or seconds). A request that times out is retried like a dropped connection.
     */
    public static Duration timeout(Map<String, String> settings) {
        String t = settings.getOrDefault("timeout", "60s").trim();
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("timeout must be a duration like 30s, 500ms or 2m, not '" + t + "'");
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.toMillis() < 100 || d.toHours() > 1) throw new IllegalArgumentException("timeout must be between 100ms and 60m, not '" + t + "'");
        return d;
    }
}
