package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.catalog.Schedule;
import io.coffer.catalog.Volume;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the schedule timer does when its time comes, driven by a clock the test moves: a run that
 * would overlap the previous backup of its volume is skipped, recorded and announced, and the
 * next one runs; a verification time verifies the schedule's latest backup.
 */
class SchedulesTest {
    /** A clock the test sets; the service's timers read it too. */
    static final class MovableClock extends Clock {
        volatile Instant now;

        MovableClock(Instant start) {
            now = start;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    static final Instant T0 = Instant.parse("2026-12-07T10:17:00Z");

    @TempDir
    Path dir;
    MovableClock clock;
    CofferService svc;
    final List<Events.Event> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        clock = new MovableClock(T0);
        svc = CofferService.start(ServiceConfig.defaults(dir), clock);
        svc.events().listen(events::add);
    }

    @AfterEach
    void stop() {
        svc.close();
    }

    static Requests.ScheduleSpec spec(String name, String volume, String instance, String cron, String verifyCron) {
        return new Requests.ScheduleSpec(name, volume, instance, cron, null, null, null, null, null, null, null, null, null, null, verifyCron);
    }

    @Test
    void aRunThatWouldOverlapThePreviousBackupIsSkippedRecordedAndAnnouncedAndTheNextOneRuns() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("db", "1GiB", null, null, null));
        Schedule s = svc.schedules().create(spec("hourly-db", "db", null, "@hourly", null));
        assertThat(s.nextRunAt()).isEqualTo(Instant.parse("2026-12-07T11:00:00Z"));
        // a backup of the volume is still running (started by hand, say)
        Job running = new Job(UUID.randomUUID().toString(), Job.Kind.BACKUP, "backup", UUID.randomUUID().toString(), v.id(), Job.Status.RUNNING,
                Map.of(), 0, 0, 0, 0, null, T0, T0, null, T0, svc.config().node());
        svc.catalog().insert(running);

        clock.now = Instant.parse("2026-12-07T11:00:01Z");
        svc.schedules().tick();
        Schedule after = svc.schedules().get("hourly-db");
        assertThat(after.lastOutcome()).startsWith("skipped: the previous backup of volume db").contains(running.resourceId()).contains("still running");
        assertThat(after.lastRunAt()).isEqualTo(clock.now);
        assertThat(after.lastBackupId()).isNull();
        assertThat(after.nextRunAt()).isEqualTo(Instant.parse("2026-12-07T12:00:00Z"));
        assertThat(svc.catalog().backupsOf(v.id())).isEmpty();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo("schedule.skipped");
            assertThat(e.fields()).containsEntry("schedule", "hourly-db");
        });
        // the same time again makes nothing more: a run is made once
        svc.schedules().tick();
        assertThat(svc.schedules().get("hourly-db").lastRunAt()).isEqualTo(Instant.parse("2026-12-07T11:00:01Z"));

        // once the running backup has ended, the next time makes a backup
        svc.catalog().update(running.finish(Job.Status.SUCCEEDED, null, clock.now));
        clock.now = Instant.parse("2026-12-07T12:00:00Z");
        svc.schedules().tick();
        Schedule ran = svc.schedules().get("hourly-db");
        assertThat(ran.lastOutcome()).startsWith("started full backup ");
        assertThat(ran.lastBackupId()).isNotNull();
        assertThat(ran.nextRunAt()).isEqualTo(Instant.parse("2026-12-07T13:00:00Z"));
        Backup made = svc.catalog().backup(ran.lastBackupId()).orElseThrow();
        assertThat(made.metadata()).containsEntry(Schedules.LABEL, "hourly-db");
        awaitSettled(made.id());
    }

    @Test
    void aVerificationTimeVerifiesTheLatestBackupOfTheSchedule() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("pgdata", "1GiB", null, null, null));
        Instance pg = new Instance(UUID.randomUUID().toString(), "pg1", "postgresql", v.id(), "", null, 5432, null, "postgres",
                null, Instance.Status.REGISTERED, false, null, Map.of(), null, T0, T0);
        svc.catalog().insert(pg);
        Schedule s = svc.schedules().create(spec("nightly-pg1", null, "pg1", "0 2 1 1 *", "30 4 * * 0"));
        Instant firstVerify = Instant.parse("2026-12-13T04:30:00Z"); // the next Sunday
        assertThat(s.nextVerifyAt()).isEqualTo(firstVerify);

        // nothing to verify yet: the time passes, the outcome says so, the next time is a week on
        clock.now = firstVerify.plusSeconds(1);
        svc.schedules().tick();
        Schedule after = svc.schedules().get("nightly-pg1");
        assertThat(after.lastVerifyAt()).isEqualTo(clock.now);
        assertThat(after.lastVerifyOutcome()).isEqualTo("skipped: no available backup of this schedule to verify");
        assertThat(after.nextVerifyAt()).isEqualTo(firstVerify.plus(Duration.ofDays(7)));

        // two backups of the schedule: the timer verifies the newer one (which the verify path
        // then judges; this one does not say what database it holds, and the outcome names that)
        Backup older = backup(v, "nightly-pg1", clock.now.minus(Duration.ofDays(2)));
        Backup newer = backup(v, "nightly-pg1", clock.now.minus(Duration.ofDays(1)));
        Backup byHand = backup(v, null, clock.now.minus(Duration.ofHours(1))); // not the schedule's
        for (Backup b : List.of(older, newer, byHand)) svc.catalog().insert(b);
        clock.now = firstVerify.plus(Duration.ofDays(7));
        svc.schedules().tick();
        Schedule verified = svc.schedules().get("nightly-pg1");
        assertThat(verified.lastVerifyAt()).isEqualTo(clock.now);
        assertThat(verified.lastVerifyOutcome()).startsWith("failed: backup " + newer.id() + " is not a backup of a database instance");
        assertThat(verified.nextVerifyAt()).isEqualTo(firstVerify.plus(Duration.ofDays(14)));
        // the backup run (on New Year's Day) was not due: verification has a timer of its own
        assertThat(verified.lastRunAt()).isNull();
    }

    /** An available backup row of {@code v}, made by {@code schedule} (null: by hand), at {@code t}. */
    static Backup backup(Volume v, String schedule, Instant t) {
        Map<String, String> labels = schedule == null ? Map.of() : Map.of(Schedules.LABEL, schedule);
        return new Backup(UUID.randomUUID().toString(), "b-" + t.getEpochSecond(), null, v.id(), v.name(), v.sizeBytes(), v.driver(), null, "default",
                "backups", Backup.Status.AVAILABLE, null, false, null, null, 0, 0, 0, 0, null, t, labels, null, Map.of(), t, t, null);
    }

    private void awaitSettled(String backupId) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            Backup.Status st = svc.catalog().backup(backupId).orElseThrow().status();
            if (st != Backup.Status.CREATING) {
                assertThat(st).isEqualTo(Backup.Status.AVAILABLE);
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("backup " + backupId + " still creating after 30 s");
    }
}
