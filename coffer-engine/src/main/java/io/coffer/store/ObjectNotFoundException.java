package io.coffer.store;

/** The key does not exist. Never retryable. */
public final class ObjectNotFoundException extends StoreException {
    public ObjectNotFoundException(String location, String key) {
        super(key, "object " + key + " not found in " + location, false);
    }
}
