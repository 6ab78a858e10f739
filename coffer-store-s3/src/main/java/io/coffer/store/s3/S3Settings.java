package io.coffer.store.s3;

import io.coffer.store.Keys;
import io.coffer.store.StoreSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how to reach one S3 repository. Built from {@code s3://BUCKET/PREFIX}, the named
 * repository's settings and the environment, in that order of precedence:
 *
 * <ul>
 *   <li>{@code endpoint}: settings, else {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL},
 *       else AWS itself;
 *   <li>{@code region}: settings, else {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else
 *       {@code us-east-1};
 *   <li>{@code path_style}: settings, else {@code true} with a custom endpoint (Ceph RGW, MinIO,
 *       Swift's s3api) and {@code false} for AWS;
 *   <li>credentials: {@code access_key_id} and {@code secret_access_key} from the settings (the
 *       configuration resolves them from the environment or a file), else {@code profile}, else
 *       the standard AWS chain ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, profiles,
 *       instance roles);
 *   <li>{@code connections}: the most HTTP connections at once (default 16);
 *   <li>{@code timeout}: how long a request may wait for the server (default 60s).
 * </ul>
 */
public record S3Settings(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
        String accessKeyId, String secretAccessKey, String profile, int connections, Duration timeout) {

    @Override
    public String toString() { // never the secret
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
    }

    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    public static S3Settings of(URI location, Map<String, String> settings, Map<String, String> env) {
        String bucket = location.getRawAuthority();
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("repository location '" + location + "' names no bucket: use s3://BUCKET/PREFIX");
        }
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("'" + bucket + "' in '" + location + "' is not a valid bucket name "
                    + "(3-63 characters: lower-case letters, digits, dots and hyphens)");
        }
        String prefix = location.getPath() == null ? "" : location.getPath().replaceAll("^/+|/+$", "");
        if (!prefix.isEmpty()) {
            try {
                Keys.check(prefix);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("prefix '" + prefix + "' in '" + location + "' is not allowed: " + e.getMessage());
            }
            prefix += "/";
        }
        String ep = first(settings.get("endpoint"), env.get("AWS_ENDPOINT_URL_S3"), env.get("AWS_ENDPOINT_URL"));
        URI endpoint = null;
        if (ep != null) {
            endpoint = URI.create(ep);
            if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
                throw new IllegalArgumentException("S3 endpoint '" + ep + "' must be an http:// or https:// URL");
            }
        }
        String region = first(settings.get("region"), env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"), "us-east-1");
        String ps = settings.get("path_style");
        boolean pathStyle = ps == null ? endpoint != null : switch (ps.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("path_style must be true or false, not '" + ps + "'");
        };
        int connections = StoreSettings.connections(settings);
        Duration timeout = StoreSettings.timeout(settings);
        String id = settings.get("access_key_id");
        String secret = settings.get("secret_access_key");
        if ((id == null) != (secret == null)) {
            throw new IllegalArgumentException("set both access_key_id and secret_access_key for " + location + ", or neither");
        }
        return new S3Settings(bucket, prefix, endpoint, region, pathStyle, id, secret, settings.get("profile"), connections, timeout);
    }

    private static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v.trim();
        return null;
    }
}
