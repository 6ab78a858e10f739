package io.coffer.server.cinder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error as Cinder reports it: {@code {"badRequest": {"code": 400, "message": "…"}}}, the key
 * named by the status, so that the {@code cinder} client prints {@code ERROR: … (HTTP 400)}.
 */
final class CinderFault extends RuntimeException {
    final int status;

    CinderFault(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static CinderFault badRequest(String message) {
        return new CinderFault(400, message);
    }

    static CinderFault notFound(String message) {
        return new CinderFault(404, message);
    }

    /** Cinder's name for a fault of this status. */
    static String name(int status) {
        return switch (status) {
            case 400 -> "badRequest";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "itemNotFound";
            case 405 -> "badMethod";
            case 406 -> "notAcceptable";
            case 409 -> "conflictingRequest";
            case 413 -> "overLimit";
            case 415 -> "badMediaType";
            case 501 -> "notImplemented";
            case 503 -> "serviceUnavailable";
            default -> "computeFault";
        };
    }

    Map<String, Object> body() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("code", status);
        inner.put("message", getMessage());
        return Map.of(name(status), inner);
    }
}
