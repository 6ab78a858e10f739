package io.coffer.catalog;

/** The catalog database failed (unreachable, full, or its schema is not ours). Names the operation. */
public final class CatalogException extends RuntimeException {
    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }

    public CatalogException(String message) {
        super(message);
    }
}
