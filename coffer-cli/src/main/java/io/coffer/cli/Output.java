package io.coffer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.coffer.repo.Json;
import java.io.PrintStream;

/** stdout for results, stderr for humans. */
final class Output {
    private Output() {}

    static void json(Object o) {
        try {
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static PrintStream err() {
        return System.err;
    }
}
