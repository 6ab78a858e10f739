package io.coffer.server;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Job;
import io.coffer.catalog.Schedule;
import io.coffer.service.CofferService;
import io.coffer.service.Schedules;
import io.coffer.stats.HumanBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/overview}: what needs attention first, by the rules the Prometheus alerts
 * use (deploy/prometheus/coffer-alerts.yml), then counts, disks and repository totals.
 *
 * <ul>
 *   <li>a failed job of the last {@value #RECENT_DAYS} days, unless a later job of the same kind
 *       on the same volume succeeded;
 *   <li>a schedule whose newest good backup is older than 1.5 times its interval plus an hour,
 *       or whose last run failed;
 *   <li>a volume whose newest verified backup failed verification;
 *   <li>a disk below the disk guard's floor or under 10% free.
 * </ul>
 */
final class Overview {
    static final int RECENT_DAYS = 7;

    private Overview() {}

    static Map<String, Object> of(CofferService svc, Instant now) {
        List<Map<String, Object>> problems = new ArrayList<>();
        List<Job> jobs = svc.catalog().jobs();
        List<Backup> backups = svc.catalog().backups();
        failedJobs(svc, jobs, now, problems);
        staleSchedules(svc, backups, now, problems);
        failedVerifications(backups, problems);
        List<Map<String, Object>> disks = new ArrayList<>();
        for (Disks.Disk d : Disks.measure(svc)) {
            String name = d.repository() == null ? "data directory" : "repository " + d.repository();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("path", d.path().toString());
            m.put("free_bytes", d.freeBytes());
            m.put("size_bytes", d.sizeBytes());
            m.put("floor_bytes", d.floorBytes());
            m.put("low", d.low());
            disks.add(m);
            if (d.low()) {
                problems.add(problem("disk_low", "warning", "The disk of the " + name + " is nearly full",
                        HumanBytes.of(d.freeBytes()) + " free of " + HumanBytes.of(d.sizeBytes()) + " at " + d.path() + "; backups are refused below "
                                + HumanBytes.of(d.floorBytes()), null, null, now));
            }
        }
        long available = backups.stream().filter(b -> b.status() == Backup.Status.AVAILABLE || b.status() == Backup.Status.RESTORING).count();
        long failed = backups.stream().filter(b -> b.status() == Backup.Status.ERROR).count();
        List<Map<String, Object>> repositories = new ArrayList<>();
        for (var u : svc.usage().current()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", u.repository());
            m.put("backups", u.backups());
            m.put("logical_bytes", u.logicalBytes());
            m.put("raw_bytes", u.rawBytes());
            m.put("stored_bytes", u.storedBytes());
            repositories.add(m);
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("volumes", svc.catalog().volumes().size());
        counts.put("backups_available", available);
        counts.put("backups_failed", failed);
        counts.put("jobs_running", jobs.stream().filter(j -> !j.finished()).count());
        counts.put("schedules", svc.schedules().list().size());
        counts.put("instances", svc.catalog().instances().size());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generated_at", now.toString());
        out.put("node", svc.config().node());
        out.put("problems", problems);
        out.put("counts", counts);
        out.put("disks", disks);
        out.put("repositories", repositories);
        return out;
    }

    private static void failedJobs(CofferService svc, List<Job> jobs, Instant now, List<Map<String, Object>> problems) {
        Instant since = now.minus(Duration.ofDays(RECENT_DAYS));
        Map<String, Instant> lastSuccess = new HashMap<>();
        for (Job j : jobs) {
            if (j.status() == Job.Status.SUCCEEDED && j.finishedAt() != null) lastSuccess.merge(j.kind().id + "/" + j.volumeId(), j.finishedAt(), (a, b) -> b.isAfter(a) ? b : a);
        }
        jobs.stream().filter(j -> j.status() == Job.Status.FAILED && j.finishedAt() != null && j.finishedAt().isAfter(since))
                .filter(j -> Optional.ofNullable(lastSuccess.get(j.kind().id + "/" + j.volumeId())).map(t -> !t.isAfter(j.finishedAt())).orElse(true))
                .sorted(Comparator.comparing(Job::finishedAt).reversed()).limit(20)
                .forEach(j -> {
                    String volume = j.volumeId() == null ? null : svc.catalog().volume(j.volumeId()).map(v -> v.name()).orElse(j.volumeId());
                    // point at the backup the job was about while it is listed, else at the job
                    boolean backup = "backup".equals(j.resourceType()) && svc.catalog().backup(j.resourceId()).isPresent();
                    problems.add(problem("job_failed", "critical", "A " + j.kind().id + " job failed" + (volume == null ? "" : " on volume " + volume),
                            j.error() == null ? "no reason was recorded" : j.error(), backup ? "backup" : "job", backup ? j.resourceId() : j.id(), j.finishedAt()));
                });
    }

    private static void staleSchedules(CofferService svc, List<Backup> backups, Instant now, List<Map<String, Object>> problems) {
        for (Schedule s : svc.schedules().list()) {
            if (s.lastOutcome() != null && s.lastOutcome().startsWith("failed")) {
                problems.add(problem("schedule_failed", "warning", "The last run of schedule " + s.name() + " failed", s.lastOutcome(), "schedule", s.name(), s.lastRunAt()));
            }
            Optional<Duration> every = svc.schedules().interval(s);
            if (every.isEmpty()) continue;
            Duration interval = every.get();
            Instant last = Schedules.lastSuccess(s, backups);
            Duration age = Duration.between(last, now);
            if (age.toSeconds() > interval.toSeconds() * 3 / 2 + 3600) {
                problems.add(problem("backup_overdue", "critical", "Schedule " + s.name() + " has no recent good backup",
                        "its newest available backup is " + age.toHours() + " h old; it runs every " + human(interval), "schedule", s.name(), last));
            }
        }
    }

    private static void failedVerifications(List<Backup> backups, List<Map<String, Object>> problems) {
        Map<String, Backup> newestVerified = new HashMap<>();
        for (Backup b : backups) {
            String at = b.facts().get("verify.at");
            if (at == null || b.facts().get("verify.status") == null) continue;
            newestVerified.merge(b.volumeName(), b, (x, y) -> Instant.parse(y.facts().get("verify.at")).isAfter(Instant.parse(x.facts().get("verify.at"))) ? y : x);
        }
        newestVerified.forEach((volume, b) -> {
            if (!"failed".equals(b.facts().get("verify.status"))) return;
            problems.add(problem("verification_failed", "critical", "The latest verification of volume " + volume + " failed",
                    b.facts().getOrDefault("verify.detail", "backup " + b.name() + " did not start as a database"), "backup", b.id(),
                    Instant.parse(b.facts().get("verify.at"))));
        });
    }

    private static Map<String, Object> problem(String kind, String severity, String title, String detail, String type, String id, Instant at) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("severity", severity);
        m.put("title", title);
        m.put("detail", detail);
        m.put("resource_type", type);
        m.put("resource_id", id);
        m.put("at", at == null ? null : at.toString());
        return m;
    }

    private static String human(Duration d) {
        if (d.toDays() >= 1 && d.toHoursPart() == 0) return d.toDays() + " d";
        if (d.toHours() >= 1 && d.toMinutesPart() == 0) return d.toHours() + " h";
        return d.toMinutes() + " min";
    }
}
