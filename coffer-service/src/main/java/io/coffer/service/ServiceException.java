package io.coffer.service;

/**
 * A request the service refuses or cannot complete. The code is stable (scripts and the HTTP
 * layer depend on it); the message names the resource and says what to do.
 */
public final class ServiceException extends RuntimeException {
    /** Stable error codes and the HTTP status each maps to. */
    public enum Code {
        /** Malformed or invalid input (bad name, bad size, unknown field). */
        INVALID_REQUEST(400),
        /** Authentication missing or wrong. */
        UNAUTHORIZED(401),
        /** No such volume, snapshot, backup or job. */
        NOT_FOUND(404),
        /** The resource is in a state that does not allow this (in use, busy, has dependents, name taken). */
        CONFLICT(409),
        /** Well-formed but cannot be done as asked (volume too small, no full backup to build on). */
        UNPROCESSABLE(422),
        /** The service failed (disk, repository, catalog); the message says what. */
        INTERNAL(500),
        /** Too little free disk space to start (the disk guard, {@code disk.min_free}). */
        INSUFFICIENT_STORAGE(507);

        public final int status;

        Code(int status) {
            this.status = status;
        }

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Code code;

    public ServiceException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    static ServiceException invalid(String m) {
        return new ServiceException(Code.INVALID_REQUEST, m);
    }

    static ServiceException notFound(String m) {
        return new ServiceException(Code.NOT_FOUND, m);
    }

    static ServiceException conflict(String m) {
        return new ServiceException(Code.CONFLICT, m);
    }

    static ServiceException insufficientStorage(String m) {
        return new ServiceException(Code.INSUFFICIENT_STORAGE, m);
    }

    static ServiceException unprocessable(String m) {
        return new ServiceException(Code.UNPROCESSABLE, m);
    }
}
