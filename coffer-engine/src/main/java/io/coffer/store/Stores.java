package io.coffer.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The one place where object stores are assembled: a base store (local disk here; S3 and Swift in
 * their own modules) wrapped in the decorators every repository uses.
 */
public final class Stores {
    private Stores() {}

    /** Wraps a base store with retries for transient faults. */
    public static ObjectStore decorate(ObjectStore base, RetryingObjectStore.Policy retry) {
        return new RetryingObjectStore(base, retry, d -> Thread.sleep(d.toMillis()));
    }

    /**
     * Opens a repository location: a directory path or {@code file://PATH}, or
     * {@code SCHEME://CONTAINER/PREFIX} for a store whose provider is on the class path
     * ({@code s3://BUCKET/PREFIX}, {@code swift://CONTAINER/PREFIX}), configured from the
     * environment.
     */
    public static ObjectStore open(String location) throws IOException {
        return open(location, Map.of());
    }

    /** As {@link #open(String)}, with a named repository's settings for remote stores. */
    public static ObjectStore open(String location, Map<String, String> settings) throws IOException {
        if (location == null || location.isBlank()) throw new IllegalArgumentException("no repository location given");
        int sep = location.indexOf("://");
        String scheme = sep > 0 ? location.substring(0, sep).toLowerCase(Locale.ROOT) : "file";
        if (scheme.equals("file")) {
            String path = sep > 0 ? location.substring(sep + 3) : location;
            return decorate(LocalObjectStore.open(Path.of(path)), RetryingObjectStore.Policy.defaults());
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("repository location '" + location + "' is not a valid URL: " + e.getReason());
        }
        List<String> known = new ArrayList<>(List.of("file"));
        for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class)) {
            if (p.schemes().contains(scheme)) return decorate(p.open(uri, settings), RetryingObjectStore.Policy.defaults());
            known.addAll(p.schemes());
        }
        throw new IllegalArgumentException("unsupported repository location '" + location + "': the scheme '" + scheme
                + "' is not one of " + known.stream().sorted().toList() + " (a directory path needs no scheme)");
    }
}
