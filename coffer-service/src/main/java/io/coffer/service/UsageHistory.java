package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.UsageSample;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The history of each repository's usage (available backups, logical and stored bytes), for the
 * dashboard's charts. A sample is written at start-up and whenever a backup or a deletion ends,
 * for each repository whose totals changed since its last sample; the totals come from the
 * catalog, so they hold on every node of a shared one. A catalog that has no history yet (one
 * from before it was kept) starts with its available backups replayed in the order they were made.
 */
public final class UsageHistory {
    private final Catalog catalog;
    private final Clock clock;
    private final Map<String, UsageSample> last = new HashMap<>();

    UsageHistory(Catalog catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /** Writes a sample for each repository whose totals changed; the samples written. */
    synchronized List<UsageSample> record() {
        Instant now = clock.instant();
        List<Backup> kept = catalog.backups().stream().filter(b -> b.status() == Backup.Status.AVAILABLE || b.status() == Backup.Status.RESTORING)
                .sorted(java.util.Comparator.comparing(Backup::createdAt)).toList();
        List<UsageSample> written = new java.util.ArrayList<>();
        if (last.isEmpty()) {
            for (UsageSample u : catalog.usageSince(Instant.EPOCH)) last.put(u.repository(), u); // oldest first: the newest stays
            if (last.isEmpty()) {
                // a catalog from before the history: its backups as they came, so that charts start with them
                Map<String, long[]> growing = new TreeMap<>();
                for (Backup b : kept) {
                    add(growing, b);
                    write(b.repository(), b.createdAt(), growing.get(b.repository()), written);
                }
            }
        }
        Map<String, long[]> totals = new TreeMap<>();
        for (Backup b : kept) add(totals, b);
        for (String r : last.keySet()) totals.putIfAbsent(r, new long[3]); // a repository emptied goes to zero
        for (var e : totals.entrySet()) write(e.getKey(), now, e.getValue(), written);
        return written;
    }

    private static void add(Map<String, long[]> totals, Backup b) {
        long[] t = totals.computeIfAbsent(b.repository(), r -> new long[3]);
        t[0]++;
        t[1] += b.logicalBytes();
        t[2] += b.storedBytes();
    }

    /** Writes a sample unless the repository's totals are those of its last one. */
    private void write(String repository, Instant at, long[] t, List<UsageSample> written) {
        UsageSample s = new UsageSample(UUID.randomUUID().toString(), repository, at, t[0], t[1], t[2]);
        if (s.sameTotals(last.get(repository))) return;
        catalog.insert(s);
        last.put(repository, s);
        written.add(s);
    }

    /** The samples taken at or after {@code since}, oldest first. */
    public List<UsageSample> since(Instant since) {
        return catalog.usageSince(since);
    }
}
