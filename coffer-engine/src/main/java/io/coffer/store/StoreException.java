package io.coffer.store;

import java.io.IOException;

/** A failed store operation. Always names the key (or the store location) involved. */
public class StoreException extends IOException {
    private final String key;
    private final boolean retryable;

    public StoreException(String key, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.key = key;
        this.retryable = retryable;
    }

    public StoreException(String key, String message, boolean retryable) {
        this(key, message, retryable, null);
    }

    /** The object key involved, or null when the failure concerns the store as a whole. */
    public String key() {
        return key;
    }

    /** True when repeating the same call may succeed (transient fault). */
    public boolean retryable() {
        return retryable;
    }
}
