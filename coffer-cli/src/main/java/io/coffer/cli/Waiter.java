package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/** Polls a resource until it leaves its busy state, showing its progress on stderr. */
final class Waiter {
    private Waiter() {}

    /**
     * Polls {@code fetch} until the resource's status is one of {@code done} or {@code failed};
     * returns the last view. A resource that disappears (deleted) ends the wait too.
     */
    static JsonNode await(Supplier<JsonNode> fetch, Set<String> done, Set<String> failed, boolean quiet) {
        JsonNode[] last = {fetch.get()};
        try (ProgressLine p = new ProgressLine(quiet, () -> describe(last[0]))) {
            while (true) {
                String status = last[0].path("status").asText();
                if (done.contains(status) || failed.contains(status)) return last[0];
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ApiException(ExitCodes.ERROR, "interrupted while waiting; the job goes on in the server");
                }
                last[0] = fetch.get();
            }
        }
    }

    private static String describe(JsonNode r) {
        JsonNode p = r.path("progress");
        String status = r.path("status").asText();
        if (p.isMissingNode()) return status;
        long done = p.path("bytes_done").asLong();
        long total = p.path("bytes_total").asLong();
        String eta = p.path("eta_seconds").isNumber() ? ", ETA " + p.path("eta_seconds").asLong() + " s" : "";
        return String.format(Locale.ROOT, "%s: %s of %s (%.1f%%), %d files, %s/s%s", status, Sizes.human(done), Sizes.human(total),
                p.path("percent").asDouble(), p.path("files_done").asLong(), Sizes.human(p.path("bytes_per_second").asLong()), eta);
    }
}
