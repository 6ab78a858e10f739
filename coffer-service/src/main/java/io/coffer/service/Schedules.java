package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.catalog.Schedule;
import io.coffer.catalog.Volume;
import io.coffer.prune.Retention;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Schedules: their resource (create, list, show, update, delete, pause, resume, run) and what a
 * run does. A run makes an ordinary backup of the schedule's volume or instance (an instance's is
 * application-consistent), labelled {@value #LABEL}; a run that would overlap the previous
 * backup of the same volume is skipped and recorded so. Missed runs (the server was down) come
 * to one run when the node is back, since a run always sets the next time from now. The keep
 * policy is applied to the schedule's available backups by the {@link Sweeper}; what it lets go
 * is deleted like an expired backup.
 */
public final class Schedules {
    private static final Logger LOG = LoggerFactory.getLogger(Schedules.class);
    /** The label of every backup a schedule made: the schedule's name. */
    public static final String LABEL = "backup.coffer.io/schedule";

    private final CofferService svc;
    private final Catalog catalog;
    private final Clock clock;
    private final ServiceConfig config;

    Schedules(CofferService svc, Catalog catalog, Clock clock, ServiceConfig config) {
        this.svc = svc;
        this.catalog = catalog;
        this.clock = clock;
        this.config = config;
    }

    public Schedule create(Requests.ScheduleSpec r) {
        String name = Validation.name("schedule", r.name());
        if ((r.volume() == null) == (r.instance() == null)) throw ServiceException.invalid("give the schedule a volume or an instance to back up (one of them)");
        try (Catalog.Held held = catalog.writeLock()) {
            if (catalog.scheduleNamed(name).isPresent()) throw ServiceException.conflict("a schedule named '" + name + "' exists already; choose another name");
            Schedule.Target type = r.volume() != null ? Schedule.Target.VOLUME : Schedule.Target.INSTANCE;
            String target = type == Schedule.Target.VOLUME ? svc.volume(r.volume()).id() : svc.instance(r.instance()).id();
            String cron = Crons.check("cron", r.cron());
            String zone = Crons.zone(r.timeZone()).getId();
            Schedule.Policy policy = policy(r, new Schedule.Policy(false, 0, 0, 0, 0, 0, 0, null, null));
            String verify = verifyCron(type, r.verifyCron());
            Instant now = clock.instant();
            Schedule s = new Schedule(UUID.randomUUID().toString(), name, type, target, cron, zone, policy, verify, false, 0, Crons.next(cron, zone, now),
                    null, null, null, verify == null ? null : Crons.next(verify, zone, now), null, null, now, now);
            catalog.insert(s);
            LOG.info("schedule {} created: {} {} at '{}' ({}), next run {}", name, type, target, cron, zone, s.nextRunAt());
            return s;
        }
    }

    public List<Schedule> list() {
        return catalog.schedules();
    }

    public Schedule get(String ref) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no schedule given");
        return catalog.schedule(ref).or(() -> catalog.scheduleNamed(ref))
                .orElseThrow(() -> ServiceException.notFound("Schedule " + Validation.printable(ref) + " could not be found."));
    }

    public Schedule update(String ref, Requests.ScheduleSpec r) {
        if (r.volume() != null || r.instance() != null) throw ServiceException.invalid("a schedule's volume or instance cannot change: delete it and create another");
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule s = get(ref);
            String cron = r.cron() == null ? s.cron() : Crons.check("cron", r.cron());
            String zone = r.timeZone() == null ? s.timeZone() : Crons.zone(r.timeZone()).getId();
            String verify = r.verifyCron() == null ? s.verifyCron() : r.verifyCron().isBlank() ? null : verifyCron(s.targetType(), r.verifyCron());
            Instant now = clock.instant();
            Schedule changed = s.withSettings(cron, zone, policy(r, s.policy()), verify, s.paused() ? null : Crons.next(cron, zone, now),
                    s.paused() || verify == null ? null : Crons.next(verify, zone, now), now);
            catalog.update(changed);
            return changed;
        }
    }

    /** Deletes a schedule; the backups it made stay (with their label and expiry). */
    public void delete(String ref) {
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule s = get(ref);
            catalog.deleteSchedule(s.id());
            LOG.info("schedule {} deleted", s.name());
        }
    }

    public Schedule pause(String ref) {
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule s = get(ref).withPaused(true, null, null, clock.instant());
            catalog.update(s);
            return s;
        }
    }

    /** Resumes a paused schedule: its next run is the next time its cron names from now (runs missed while paused are not made up). */
    public Schedule resume(String ref) {
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule s = get(ref);
            Instant now = clock.instant();
            Schedule r = s.withPaused(false, Crons.next(s.cron(), s.timeZone(), now), s.verifyCron() == null ? null : Crons.next(s.verifyCron(), s.timeZone(), now), now);
            catalog.update(r);
            return r;
        }
    }

    /** Runs a schedule now, whatever its next time (which then counts from now); the schedule as it stands after. */
    public Schedule runNow(String ref) {
        Schedule s = get(ref);
        run(s, clock.instant(), true);
        return get(s.id());
    }

    /** Verifies the schedule's latest available backup now (what {@code --verify-cron} does at its times); the schedule after. */
    public Schedule verifyNow(String ref) {
        Schedule s = get(ref);
        if (s.targetType() != Schedule.Target.INSTANCE) throw ServiceException.invalid("a verification starts the database a backup holds: schedule " + s.name() + " backs up a volume");
        verify(s, clock.instant(), true);
        return get(s.id());
    }

    /** The first time after {@code t} that the schedule's cron names (null: none). */
    public Instant nextAfter(Schedule s, Instant t) {
        return Crons.next(s.cron(), s.timeZone(), t);
    }

    /** The time between two runs of an active schedule, measured from its next run (empty: paused, or no run after it). */
    public Optional<Duration> interval(Schedule s) {
        if (s.paused() || s.nextRunAt() == null) return Optional.empty();
        Instant after = nextAfter(s, s.nextRunAt());
        return after == null ? Optional.empty() : Optional.of(Duration.between(s.nextRunAt(), after));
    }

    /** The data time of the newest available backup among {@code all} that {@code s} made; its creation when it made none. */
    public static Instant lastSuccess(Schedule s, List<Backup> all) {
        return all.stream().filter(b -> s.name().equals(b.metadata().get(LABEL)) && b.status() == Backup.Status.AVAILABLE)
                .map(b -> b.dataTimestamp() != null ? b.dataTimestamp() : b.createdAt()).max(Comparator.naturalOrder()).orElse(s.createdAt());
    }

    /** The node a schedule's runs happen on: its volume's (an instance's volume's). */
    Optional<String> node(Schedule s) {
        String volumeId = s.targetType() == Schedule.Target.VOLUME ? s.targetId() : catalog.instance(s.targetId()).map(Instance::volumeId).orElse(null);
        return volumeId == null ? Optional.empty() : catalog.volume(volumeId).map(Volume::node);
    }

    /** Makes the runs and verifications that are due on this node. */
    void tick() {
        Instant now = clock.instant();
        for (Schedule s : catalog.schedules()) {
            if (s.paused() || !node(s).map(config.node()::equals).orElse(false)) continue;
            if (s.nextRunAt() != null && !s.nextRunAt().isAfter(now)) run(s, now, false);
            if (s.nextVerifyAt() != null && !s.nextVerifyAt().isAfter(now)) verify(s, now, false);
        }
    }

    private void run(Schedule s, Instant now, boolean byHand) {
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule cur = catalog.schedule(s.id()).orElse(null);
            if (cur == null) return;
            if (!byHand && (cur.paused() || cur.nextRunAt() == null || cur.nextRunAt().isAfter(now))) return; // made already
            Instant next = cur.paused() ? null : Crons.next(cur.cron(), cur.timeZone(), now);
            String outcome;
            String backupId = null;
            try {
                Volume v = volume(cur);
                Optional<Job> previous = catalog.jobs().stream()
                        .filter(j -> !j.finished() && j.kind() == Job.Kind.BACKUP && v.id().equals(j.volumeId())).findFirst();
                if (previous.isPresent() || v.busy()) {
                    outcome = "skipped: the previous backup of volume " + v.name() + previous.map(j -> " (" + j.resourceId() + ")").orElse("")
                            + " is still running (volume " + v.status() + ")";
                } else {
                    Backup b = backUp(cur, v, now);
                    backupId = b.id();
                    outcome = "started " + (b.incremental() ? "incremental" : "full") + " backup " + b.id();
                }
            } catch (ServiceException e) {
                outcome = "failed: " + e.getMessage();
            }
            catalog.update(cur.ran(now, outcome, backupId, next));
            if (outcome.startsWith("started")) LOG.info("schedule {}: {}; next run {}", cur.name(), outcome, next);
            else LOG.warn("schedule {}: {}; next run {}", cur.name(), outcome, next);
            if (!outcome.startsWith("started")) svc.events().scheduleRun(cur, outcome);
        }
    }

    private Backup backUp(Schedule s, Volume v, Instant now) {
        Schedule.Policy p = s.policy();
        String repository = p.repository() == null ? config.defaultRepository() : p.repository();
        String container = p.container() == null ? config.defaultContainer() : p.container();
        boolean hasParent = catalog.backupsOf(v.id()).stream()
                .anyMatch(b -> b.status() == Backup.Status.AVAILABLE && b.repository().equals(repository) && b.container().equals(container));
        boolean incremental = p.incremental() && hasParent && !(p.fullEvery() > 0 && s.runs() % p.fullEvery() == 0);
        Instant expires = p.retentionDays() > 0 ? now.plus(Duration.ofDays(p.retentionDays())) : null;
        String name = s.name() + "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC).format(now);
        Map<String, String> labels = Map.of(LABEL, s.name());
        if (s.targetType() == Schedule.Target.INSTANCE) {
            return svc.backupInstance(s.targetId(), new Requests.InstanceBackup(name, p.retentionDays() > 0 ? p.retentionDays() : null, incremental,
                    p.repository(), p.container(), "application", "schedule " + s.name()), labels);
        }
        return svc.createBackup(new Requests.CreateBackup(v.id(), null, p.repository(), p.container(), name, "made by schedule " + s.name(), incremental, true,
                Map.of(), expires), labels);
    }

    private void verify(Schedule s, Instant now, boolean byHand) {
        try (Catalog.Held held = catalog.writeLock()) {
            Schedule cur = catalog.schedule(s.id()).orElse(null);
            if (cur == null) return;
            if (!byHand && (cur.paused() || cur.nextVerifyAt() == null || cur.nextVerifyAt().isAfter(now))) return;
            Instant next = cur.verifyCron() == null || cur.paused() ? null : Crons.next(cur.verifyCron(), cur.timeZone(), now);
            String outcome;
            Optional<Backup> latest = backupsOf(cur).stream().filter(b -> b.status() == Backup.Status.AVAILABLE).max(Comparator.comparing(Backup::createdAt));
            if (latest.isEmpty()) {
                outcome = "skipped: no available backup of this schedule to verify";
            } else {
                try {
                    Job j = svc.verifyBackup(latest.get().id(), new Requests.Verify(null, null));
                    outcome = "started verification " + j.id() + " of backup " + latest.get().id();
                } catch (ServiceException e) {
                    outcome = "failed: " + e.getMessage();
                }
            }
            catalog.update(cur.verified(now, outcome, next));
            LOG.info("schedule {}: {}; next verification {}", cur.name(), outcome, next);
        }
    }

    /** The backups a schedule made (by its label), oldest first. */
    List<Backup> backupsOf(Schedule s) {
        Volume v = volume(s);
        return catalog.backupsOf(v.id()).stream().filter(b -> s.name().equals(b.metadata().get(LABEL))).toList();
    }

    /**
     * What the keep policy of {@code s} lets go of among its available backups (none without a
     * policy); these are deleted by the sweeper like expired ones.
     */
    List<Backup> letGo(Schedule s) {
        Schedule.Policy p = s.policy();
        if (!p.keeps()) return List.of();
        Map<String, Backup> byId = new LinkedHashMap<>();
        List<Retention.Candidate> candidates = new ArrayList<>();
        for (Backup b : backupsOf(s)) {
            if (b.status() != Backup.Status.AVAILABLE) continue;
            byId.put(b.id(), b);
            candidates.add(new Retention.Candidate(b.id(), b.dataTimestamp() == null ? b.createdAt() : b.dataTimestamp(), b.metadata()));
        }
        Retention policy = new Retention(p.keepLast(), 0, p.keepDaily(), p.keepWeekly(), p.keepMonthly(), 0, null, null);
        return policy.apply(candidates).stream().filter(d -> !d.keep()).map(d -> byId.get(d.backup().id())).toList();
    }

    private Volume volume(Schedule s) {
        String volumeId = s.targetType() == Schedule.Target.VOLUME ? s.targetId()
                : catalog.instance(s.targetId()).map(Instance::volumeId)
                        .orElseThrow(() -> ServiceException.notFound("the instance of schedule " + s.name() + " is no longer registered"));
        return catalog.volume(volumeId).orElseThrow(() -> ServiceException.notFound("the volume of schedule " + s.name() + " is gone"));
    }

    private static String verifyCron(Schedule.Target type, String expr) {
        if (expr == null || expr.isBlank()) return null;
        if (type != Schedule.Target.INSTANCE) {
            throw ServiceException.invalid("a verification starts the database a backup holds: --verify-cron needs a schedule of an instance (--instance)");
        }
        return Crons.check("verify cron", expr);
    }

    private Schedule.Policy policy(Requests.ScheduleSpec r, Schedule.Policy old) {
        String repository = r.repository() == null ? old.repository() : r.repository();
        if (repository != null && !svc.repositoryExists(repository)) throw ServiceException.invalid("repository '" + Validation.printable(repository) + "' is not configured");
        String container = r.container() == null ? old.container() : Validation.container(r.container());
        return new Schedule.Policy(r.incremental() == null ? old.incremental() : r.incremental(),
                count("full-every", r.fullEvery(), old.fullEvery()), count("retention-days", r.retentionDays(), old.retentionDays()),
                count("keep-last", r.keepLast(), old.keepLast()), count("keep-daily", r.keepDaily(), old.keepDaily()),
                count("keep-weekly", r.keepWeekly(), old.keepWeekly()), count("keep-monthly", r.keepMonthly(), old.keepMonthly()), repository, container);
    }

    private static int count(String what, Integer given, int old) {
        if (given == null) return old;
        if (given < 0 || given > 36500) throw ServiceException.invalid(what + " must be between 0 and 36500, not " + given);
        return given;
    }
}
