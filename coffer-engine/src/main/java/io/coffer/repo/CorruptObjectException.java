package io.coffer.repo;

/** Stored bytes failed a check. Names the object key and, where known, the offset and blob. */
public final class CorruptObjectException extends RepositoryException {
    private final String key;

    public CorruptObjectException(String key, String message) {
        super(Kind.CORRUPT, "corrupt object " + key + ": " + message);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
