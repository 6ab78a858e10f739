package io.coffer.cli;

/** The server refused a request or could not be reached; carries the exit code it maps to. */
final class ApiException extends RuntimeException {
    final int exitCode;

    ApiException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Exit code for an HTTP status: 400/422 usage, 401 wrong key, 404 not found, 409 conflict and 507 (no disk space), else error. */
    static int exitCodeOf(int status) {
        return switch (status) {
            case 400, 413, 422 -> ExitCodes.USAGE;
            case 401, 403 -> ExitCodes.WRONG_KEY;
            case 404 -> ExitCodes.NOT_FOUND;
            case 409, 507 -> ExitCodes.CONFLICT;
            default -> ExitCodes.ERROR;
        };
    }
}
