package io.coffer.catalog;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A schedule: backups of one volume or instance at the times of a cron expression, kept as its
 * policy says, and, with {@code verifyCron}, the latest of them verified at those times.
 *
 * @param cron a five-field cron expression (or {@code @hourly}, {@code @daily}, …), in {@code timeZone}
 * @param runs how many runs it has made (the count decides which are full with {@code fullEvery})
 * @param lastOutcome what the last run did: {@code started backup ID}, {@code skipped: …} or {@code failed: …}
 */
public record Schedule(
        String id,
        String name,
        Target targetType,
        String targetId,
        String cron,
        String timeZone,
        Policy policy,
        String verifyCron,
        boolean paused,
        long runs,
        Instant nextRunAt,
        Instant lastRunAt,
        String lastOutcome,
        String lastBackupId,
        Instant nextVerifyAt,
        Instant lastVerifyAt,
        String lastVerifyOutcome,
        Instant createdAt,
        Instant updatedAt) {

    /** What a schedule backs up. */
    public enum Target {
        VOLUME, INSTANCE;

        public final String id = name().toLowerCase(java.util.Locale.ROOT);

        public static Target of(String id) {
            return Names.parse(values(), t -> t.id, id, "schedule target");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    /**
     * How a schedule's backups are made and kept.
     *
     * @param fullEvery with {@code incremental}, every n-th run is a full backup (0: only the first)
     * @param retentionDays each backup expires that many days after it is made (0: no expiry)
     * @param keepLast the keep policy over the schedule's backups (all 0: keep all); what it lets go is deleted
     */
    public record Policy(boolean incremental, int fullEvery, int retentionDays, int keepLast, int keepDaily, int keepWeekly, int keepMonthly,
            String repository, String container) {

        public boolean keeps() {
            return keepLast > 0 || keepDaily > 0 || keepWeekly > 0 || keepMonthly > 0;
        }

        Map<String, String> toMap() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("incremental", Boolean.toString(incremental));
            m.put("full_every", Integer.toString(fullEvery));
            m.put("retention_days", Integer.toString(retentionDays));
            m.put("keep_last", Integer.toString(keepLast));
            m.put("keep_daily", Integer.toString(keepDaily));
            m.put("keep_weekly", Integer.toString(keepWeekly));
            m.put("keep_monthly", Integer.toString(keepMonthly));
            if (repository != null) m.put("repository", repository);
            if (container != null) m.put("container", container);
            return m;
        }

        static Policy of(Map<String, String> m) {
            return new Policy(Boolean.parseBoolean(m.get("incremental")), n(m, "full_every"), n(m, "retention_days"), n(m, "keep_last"), n(m, "keep_daily"),
                    n(m, "keep_weekly"), n(m, "keep_monthly"), m.get("repository"), m.get("container"));
        }

        private static int n(Map<String, String> m, String k) {
            String v = m.get(k);
            return v == null ? 0 : Integer.parseInt(v);
        }
    }

    public Schedule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(targetType, "targetType");
        Objects.requireNonNull(policy, "policy");
    }

    /** After a run at {@code at}: counted, its outcome recorded, the next one set. */
    public Schedule ran(Instant at, String outcome, String backupId, Instant next) {
        return new Schedule(id, name, targetType, targetId, cron, timeZone, policy, verifyCron, paused, backupId == null ? runs : runs + 1, next, at, outcome,
                backupId == null ? lastBackupId : backupId, nextVerifyAt, lastVerifyAt, lastVerifyOutcome, createdAt, at);
    }

    /** After a verification was started (or not) at {@code at}. */
    public Schedule verified(Instant at, String outcome, Instant next) {
        return new Schedule(id, name, targetType, targetId, cron, timeZone, policy, verifyCron, paused, runs, nextRunAt, lastRunAt, lastOutcome, lastBackupId,
                next, at, outcome, createdAt, at);
    }

    public Schedule withPaused(boolean p, Instant nextRun, Instant nextVerify, Instant now) {
        return new Schedule(id, name, targetType, targetId, cron, timeZone, policy, verifyCron, p, runs, nextRun, lastRunAt, lastOutcome, lastBackupId,
                nextVerify, lastVerifyAt, lastVerifyOutcome, createdAt, now);
    }

    /** This schedule with new timing and policy (what {@code schedule update} changes). */
    public Schedule withSettings(String c, String tz, Policy p, String vc, Instant nextRun, Instant nextVerify, Instant now) {
        return new Schedule(id, name, targetType, targetId, c, tz, p, vc, paused, runs, nextRun, lastRunAt, lastOutcome, lastBackupId, nextVerify,
                lastVerifyAt, lastVerifyOutcome, createdAt, now);
    }
}
