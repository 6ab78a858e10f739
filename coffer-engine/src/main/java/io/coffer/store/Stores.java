package io.coffer.store;

import java.io.IOException;
import java.nio.file.Path;

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

    /** Opens a repository location. Today: a local directory path. */
    public static ObjectStore open(String location) throws IOException {
        if (location.contains("://") && !location.startsWith("file://")) {
            throw new IllegalArgumentException("unsupported repository location '" + location
                    + "': use a local directory path (S3 and Swift come in a later release)");
        }
        String path = location.startsWith("file://") ? location.substring("file://".length()) : location;
        return decorate(LocalObjectStore.open(Path.of(path)), RetryingObjectStore.Policy.defaults());
    }
}
