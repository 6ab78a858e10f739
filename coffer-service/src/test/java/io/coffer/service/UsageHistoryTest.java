package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.UsageSample;
import io.coffer.catalog.Volume;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageHistoryTest {
    @TempDir
    Path dir;

    static Backup backup(String repository, Instant at, long logical, Long raw, long stored) {
        Volume v = VolumeGuardTest.volume("v", Volume.Status.AVAILABLE, null);
        Map<String, String> facts = raw == null ? Map.of() : Map.of(Backup.NEW_RAW_BYTES, raw.toString());
        return new Backup(UUID.randomUUID().toString(), "b", null, v.id(), v.name(), v.sizeBytes(), v.driver(), null, repository, "backups",
                Backup.Status.AVAILABLE, null, false, null, null, 0, logical, stored, 0, null, at, Map.of(), null, facts, at, at, null);
    }

    @Test
    void aSampleIsWrittenWhenARepositorysTotalsChangeAndHistoryStartsWithTheBackupsThereAre() throws Exception {
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        SchedulesTest.MovableClock clock = new SchedulesTest.MovableClock(t0.plus(Duration.ofDays(30)));
        try (Catalog catalog = Catalog.open("jdbc:sqlite:" + dir.resolve("catalog.db"), null, null)) {
            Backup a = backup("local", t0, 1000, 800L, 400);
            Backup b = backup("local", t0.plus(Duration.ofDays(1)), 1000, 20L, 10);
            Backup c = backup("swift", t0.plus(Duration.ofDays(2)), 500, null, 200); // from before raw bytes were recorded
            for (Backup x : List.of(a, b, c)) catalog.insert(x);
            UsageHistory history = new UsageHistory(catalog, clock);

            // a catalog without history: its backups replayed, in order; the totals of now equal the last ones
            List<UsageSample> first = history.record();
            assertThat(first).extracting(UsageSample::repository, UsageSample::takenAt, UsageSample::backups, UsageSample::logicalBytes, UsageSample::rawBytes,
                    UsageSample::storedBytes)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("local", t0, 1L, 1000L, 800L, 400L),
                            org.assertj.core.groups.Tuple.tuple("local", t0.plus(Duration.ofDays(1)), 2L, 2000L, 820L, 410L),
                            org.assertj.core.groups.Tuple.tuple("swift", t0.plus(Duration.ofDays(2)), 1L, 500L, null, 200L));
            assertThat(history.current()).extracting(UsageSample::repository, UsageSample::rawBytes)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("local", 820L), org.assertj.core.groups.Tuple.tuple("swift", null));
            // nothing changed: nothing written
            assertThat(history.record()).isEmpty();
            // a deletion changes one repository: one sample, at the clock's time
            catalog.update(b.withStatus(Backup.Status.DELETING, null, clock.instant()));
            clock.now = clock.now.plusSeconds(60);
            assertThat(history.record()).singleElement().satisfies(s -> {
                assertThat(s.repository()).isEqualTo("local");
                assertThat(s.takenAt()).isEqualTo(clock.now);
                assertThat(s.backups()).isEqualTo(1);
                assertThat(s.storedBytes()).isEqualTo(400);
            });
            // the last backup of a repository goes: it drops to zero rather than vanishing
            catalog.deleteBackup(c.id());
            assertThat(history.record()).singleElement().satisfies(s -> {
                assertThat(s.repository()).isEqualTo("swift");
                assertThat(s.backups()).isZero();
                assertThat(s.storedBytes()).isZero();
            });
            // another process (a restarted server) picks the history up where it was
            UsageHistory restarted = new UsageHistory(catalog, clock);
            assertThat(restarted.record()).isEmpty();
            assertThat(restarted.since(t0.plus(Duration.ofDays(1)))).hasSize(4).isSortedAccordingTo(java.util.Comparator.comparing(UsageSample::takenAt));
        }
    }
}
