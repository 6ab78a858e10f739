package io.coffer.store;

/** A put named a key that already exists. Never retryable. */
public final class ObjectExistsException extends StoreException {
    public ObjectExistsException(String location, String key) {
        super(key, "object " + key + " already exists in " + location, false);
    }
}
