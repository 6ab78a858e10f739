package io.coffer.store;

import java.util.Objects;

/** An object's key and size in bytes. */
public record ObjectInfo(String key, long size) {
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        if (size < 0) throw new IllegalArgumentException("negative size for " + key);
    }
}
