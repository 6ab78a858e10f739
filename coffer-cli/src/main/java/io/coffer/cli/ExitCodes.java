package io.coffer.cli;

import io.coffer.repo.RepositoryException;

/** Exit codes scripts can rely on. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Any failure not covered below (I/O, storage). */
    public static final int ERROR = 1;
    /** Bad command line or option value. */
    public static final int USAGE = 2;
    /** Finished, but not completely: files skipped or damaged, check found errors. */
    public static final int INCOMPLETE = 3;
    public static final int NOT_FOUND = 4;
    /** Already exists, or locked by another process. */
    public static final int CONFLICT = 5;
    public static final int WRONG_KEY = 6;
    /** Repository needs a newer Coffer. */
    public static final int UNSUPPORTED = 7;

    private ExitCodes() {}

    static int of(RepositoryException.Kind k) {
        return switch (k) {
            case INVALID_ARGUMENT -> USAGE;
            case NOT_FOUND -> NOT_FOUND;
            case CONFLICT -> CONFLICT;
            case WRONG_KEY -> WRONG_KEY;
            case CORRUPT, INCOMPLETE -> INCOMPLETE;
            case UNSUPPORTED -> UNSUPPORTED;
            case IO -> ERROR;
        };
    }
}
