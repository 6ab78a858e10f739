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
        List<Backup> kept = kept();
        List<UsageSample> written = new java.util.ArrayList<>();
        if (last.isEmpty()) {
            for (UsageSample u : catalog.usageSince(Instant.EPOCH)) last.put(u.repository(), u); // oldest first: the newest stays
            if (last.isEmpty()) {
                // a catalog from before the history: its backups as they came, so that charts start with them
                Map<String, Totals> growing = new TreeMap<>();
                for (Backup b : kept) {
                    add(growing, b);
                    write(b.repository(), b.createdAt(), growing.get(b.repository()), written);
                }
            }
        }
        Map<String, Totals> totals = new TreeMap<>();
        for (Backup b : kept) add(totals, b);
        for (String r : last.keySet()) totals.putIfAbsent(r, new Totals()); // a repository emptied goes to zero
        for (var e : totals.entrySet()) write(e.getKey(), now, e.getValue(), written);
        return written;
    }

    /** Each repository's totals now (those with available backups), as samples that are not written. */
    public List<UsageSample> current() {
        Map<String, Totals> totals = new TreeMap<>();
        for (Backup b : kept()) add(totals, b);
        Instant now = clock.instant();
        return totals.entrySet().stream().map(e -> e.getValue().sample(e.getKey(), now)).toList();
    }

    /** The backups that count: available ones (and those being restored from), oldest first. */
    private List<Backup> kept() {
        return catalog.backups().stream().filter(b -> b.status() == Backup.Status.AVAILABLE || b.status() == Backup.Status.RESTORING)
                .sorted(java.util.Comparator.comparing(Backup::createdAt)).toList();
    }

    /** One repository's running totals. */
    private static final class Totals {
        long backups, logical, stored, raw;
        boolean rawUnknown;

        UsageSample sample(String repository, Instant at) {
            return new UsageSample(UUID.randomUUID().toString(), repository, at, backups, logical, rawUnknown ? null : raw, stored);
        }
    }

    private static void add(Map<String, Totals> totals, Backup b) {
        Totals t = totals.computeIfAbsent(b.repository(), r -> new Totals());
        t.backups++;
        t.logical += b.logicalBytes();
        t.stored += b.storedBytes();
        if (b.newRawBytes() == null) t.rawUnknown = true;
        else t.raw += b.newRawBytes();
    }

    /** Writes a sample unless the repository's totals are those of its last one. */
    private void write(String repository, Instant at, Totals t, List<UsageSample> written) {
        UsageSample s = t.sample(repository, at);
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
