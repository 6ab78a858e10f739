package io.coffer.csi;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operations running on each volume or name: a second one on the same key while the first
 * runs is refused with ABORTED, as the spec asks, and the CO retries it.
 */
final class InFlight {
    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    /** Keys held until closed. */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /** Holds every one of {@code wanted}, or none when one is taken (ABORTED). */
    Hold begin(String... wanted) {
        List<String> taken = new ArrayList<>();
        for (String k : wanted) {
            if (k == null) continue;
            if (!keys.add(k)) {
                taken.forEach(keys::remove);
                throw Grpc.aborted("an operation on " + k + " is in progress; retry when it is done");
            }
            taken.add(k);
        }
        return () -> taken.forEach(keys::remove);
    }
}
