package io.coffer.csi;

import java.util.List;

/** CSI's paging: {@code starting_token} is the index of the first entry; a token that makes no sense is ABORTED. */
record Paging<T>(List<T> page, String nextToken) {
    static <T> Paging<T> of(List<T> all, int maxEntries, String startingToken) {
        if (maxEntries < 0) throw Grpc.invalid("max_entries must not be negative");
        int from = 0;
        if (startingToken != null && !startingToken.isEmpty()) {
            try {
                from = Integer.parseInt(startingToken);
            } catch (NumberFormatException e) {
                from = -1;
            }
            if (from < 0 || from > all.size()) throw Grpc.aborted("starting_token '" + startingToken + "' is not one this driver gave; list again from the start");
        }
        int to = maxEntries == 0 ? all.size() : Math.min(all.size(), from + maxEntries);
        return new Paging<>(all.subList(from, to), to < all.size() ? Integer.toString(to) : "");
    }
}
