package io.coffer.repo;

/**
 * A failure of a repository operation, with a stable {@link Kind} that the CLI and the service map
 * to exit codes and HTTP statuses. The message names the object, backup, file and offset involved
 * and says what to do.
 */
public class RepositoryException extends RuntimeException {
    public enum Kind {
        /** The caller asked for something that is not valid (bad option, bad id). */
        INVALID_ARGUMENT,
        /** A repository, backup or path does not exist. */
        NOT_FOUND,
        /** The repository exists already, or is locked by another process. */
        CONFLICT,
        /** The password or key file does not open the repository. */
        WRONG_KEY,
        /** Stored data failed its checksum, decryption or structure checks. */
        CORRUPT,
        /** The repository needs a feature or format version this program does not know. */
        UNSUPPORTED,
        /** The work finished, but not completely (files skipped, blobs unreadable). */
        INCOMPLETE,
        /** Reading or writing storage failed. */
        IO
    }

    private final Kind kind;

    public RepositoryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RepositoryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
