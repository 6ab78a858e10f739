package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Schedule;
import io.coffer.catalog.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A schedule's keep policy, through the service: the backups a schedule made are given times
 * spread over a year and a bit, the sweeper runs, and exactly the backups an oracle's reading of
 * the rules lets go start being deleted; every other backup stays available, and backups made by
 * hand or by another schedule of the same volume are never touched.
 */
class KeepPolicyProperties {
    static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");
    static Path dir;
    static CofferService svc;
    static final AtomicInteger serial = new AtomicInteger();

    @BeforeContainer
    static void start() throws IOException {
        dir = Files.createTempDirectory("coffer-keep");
        svc = CofferService.start(ServiceConfig.defaults(dir), Clock.systemUTC());
    }

    @AfterContainer
    static void stop() throws IOException {
        svc.close();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Property(tries = 60)
    void theSweeperLetsGoExactlyWhatTheRulesDoNotKeep(
            @ForAll @Size(max = 40) @UniqueElements List<@IntRange(min = 0, max = 400 * 24 * 60) Integer> minutes,
            @ForAll @IntRange(max = 4) int last, @ForAll @IntRange(max = 5) int daily,
            @ForAll @IntRange(max = 4) int weekly, @ForAll @IntRange(max = 6) int monthly) throws IOException {
        int n = serial.incrementAndGet();
        Volume v = svc.createVolume(new Requests.CreateVolume("keep-" + n, "1GiB", null, null, null));
        String name = "keep-" + n;
        Schedule s = svc.schedules().create(new Requests.ScheduleSpec(name, v.name(), null, "@daily", null, null, null, null,
                last, daily, weekly, monthly, null, null, null));
        List<Backup> made = new ArrayList<>();
        for (int m : minutes) made.add(SchedulesTest.backup(v, name, BASE.plus(Duration.ofMinutes(m))));
        Backup byHand = SchedulesTest.backup(v, null, BASE);
        Backup otherSchedule = SchedulesTest.backup(v, "another-schedule", BASE.plus(Duration.ofMinutes(1)));
        for (Backup b : made) svc.catalog().insert(b);
        svc.catalog().insert(byHand);
        svc.catalog().insert(otherSchedule);

        Set<String> kept = oracleKeeps(made, last, daily, weekly, monthly);
        Set<String> expectedGone = made.stream().map(Backup::id).filter(id -> !kept.contains(id)).collect(Collectors.toSet());
        try {
            assertThat(new HashSet<>(svc.sweep())).isEqualTo(expectedGone);
            for (Backup b : made) {
                Backup now = svc.catalog().backup(b.id()).orElseThrow();
                if (kept.contains(b.id())) assertThat(now.status()).as("kept %s", b.createdAt()).isEqualTo(Backup.Status.AVAILABLE);
                else assertThat(now.status()).as("let go %s", b.createdAt()).isNotEqualTo(Backup.Status.AVAILABLE);
            }
            for (Backup b : List.of(byHand, otherSchedule)) {
                assertThat(svc.catalog().backup(b.id()).orElseThrow().status()).isEqualTo(Backup.Status.AVAILABLE);
            }
            assertThat(svc.sweep()).as("a second sweep finds nothing more").isEmpty();
        } finally {
            svc.schedules().delete(s.id());
        }
    }

    /**
     * The rules as a user reads them: the {@code last} newest; for each of days, ISO weeks and
     * months (UTC), the newest backup of each of the n most recent periods that hold one. No
     * rule at all keeps everything (the schedule has no keep policy).
     */
    static Set<String> oracleKeeps(List<Backup> backups, int last, int daily, int weekly, int monthly) {
        List<Backup> newestFirst = new ArrayList<>(backups);
        newestFirst.sort(Comparator.comparing(Backup::createdAt).reversed());
        if (last + daily + weekly + monthly == 0) return newestFirst.stream().map(Backup::id).collect(Collectors.toSet());
        Set<String> keep = new HashSet<>();
        newestFirst.stream().limit(last).forEach(b -> keep.add(b.id()));
        keepPerPeriod(newestFirst, daily, t -> t.toLocalDate(), keep);
        keepPerPeriod(newestFirst, weekly, t -> List.of(t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)), keep);
        keepPerPeriod(newestFirst, monthly, t -> YearMonth.from(t), keep);
        return keep;
    }

    private static void keepPerPeriod(List<Backup> newestFirst, int count, Function<ZonedDateTime, Object> period, Set<String> keep) {
        Map<Object, Backup> newestOfPeriod = new LinkedHashMap<>(); // periods in order, most recent first
        for (Backup b : newestFirst) newestOfPeriod.putIfAbsent(period.apply(b.createdAt().atZone(ZoneOffset.UTC)), b);
        newestOfPeriod.values().stream().limit(count).forEach(b -> keep.add(b.id()));
    }
}
