package io.coffer.app;

import io.coffer.service.ServiceConfig;
import java.util.Map;
import java.util.Properties;

/** The server's housekeeping settings (retention, notifications, the disk guard), from the environment or coffer.properties. */
final class HousekeepingSettings {
    private HousekeepingSettings() {}

    /**
     * {@code retention.interval} (COFFER_RETENTION_INTERVAL: 10m, 30s, 1h or ISO-8601 like PT10M),
     * {@code notify.webhook} (COFFER_NOTIFY_WEBHOOK; several URLs separated by commas or spaces),
     * {@code notify.events} (COFFER_NOTIFY_EVENTS: success, expiry, verification, skipped) and
     * {@code disk.min_free} (COFFER_DISK_MIN_FREE: a size like 1GiB, 0 to turn the guard off).
     */
    static ServiceConfig.Housekeeping of(Map<String, String> env, Properties file) {
        String interval = first(env.get("COFFER_RETENTION_INTERVAL"), file.getProperty("retention.interval"));
        String hooks = first(env.get("COFFER_NOTIFY_WEBHOOK"), file.getProperty("notify.webhook"));
        String events = first(env.get("COFFER_NOTIFY_EVENTS"), file.getProperty("notify.events"));
        String minFree = first(env.get("COFFER_DISK_MIN_FREE"), file.getProperty("disk.min_free"));
        java.util.List<java.net.URI> urls = new java.util.ArrayList<>();
        if (hooks != null) {
            for (String u : hooks.trim().split("[,\\s]+")) {
                try {
                    urls.add(new java.net.URI(u));
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("notify.webhook '" + u + "' is not a URL");
                }
            }
        }
        java.util.Set<String> wanted = events == null ? java.util.Set.of() : java.util.Set.of(events.trim().toLowerCase(java.util.Locale.ROOT).split("[,\\s]+"));
        return new ServiceConfig.Housekeeping(interval == null ? null : duration("retention.interval", interval), urls, wanted,
                minFree == null ? ServiceConfig.Housekeeping.AUTO : bytes("disk.min_free", minFree));
    }

    static java.time.Duration duration(String what, String s) {
        String t = s.trim();
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(t.toLowerCase(java.util.Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "s" -> java.time.Duration.ofSeconds(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofDays(n);
            };
        }
        try {
            return java.time.Duration.parse(t);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a duration: give 30s, 10m, 1h, 1d or ISO-8601 (PT10M)");
        }
    }

    static long bytes(String what, String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)\\s*([KMGT]i?B?|B)?", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException(what + " '" + s + "' is not a size: give bytes or a number with a unit (KiB, MiB, GiB, TiB)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(java.util.Locale.ROOT);
        int shift = unit.isEmpty() || unit.equals("B") ? 0 : switch (unit.charAt(0)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 40;
        };
        return n << shift;
    }

    private static String first(String... v) {
        for (String s : v) if (s != null && !s.isBlank()) return s;
        return null;
    }
}
