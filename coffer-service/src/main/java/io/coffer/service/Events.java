package io.coffer.service;

import io.coffer.catalog.Catalog;
import io.coffer.catalog.Job;
import io.coffer.catalog.Schedule;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happened that an operator may want to hear of, as events: a job's end, a backup's
 * expiry, a verification's verdict, a schedule run that did not start a backup, a backup refused
 * for want of disk space. Listeners (the webhooks, the metrics) get each event once, in the order
 * they happen; an event never carries a secret (credentials, tokens, passwords), only names, ids,
 * sizes, times and the reason of a failure.
 */
public final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(Events.class);

    /**
     * One event. {@code type} is {@code job.succeeded}, {@code job.failed}, {@code job.cancelled},
     * {@code backup.expired}, {@code verification.passed}, {@code verification.failed},
     * {@code schedule.skipped}, {@code schedule.failed} or {@code disk.low}.
     */
    public record Event(String type, String time, String node, Map<String, Object> fields) {
        public boolean failure() {
            return type.endsWith(".failed") || type.equals("disk.low");
        }
    }

    private final Catalog catalog;
    private final Clock clock;
    private final String node;
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();

    Events(Catalog catalog, Clock clock, String node) {
        this.catalog = catalog;
        this.clock = clock;
        this.node = node;
    }

    public void listen(Consumer<Event> l) {
        listeners.add(l);
    }

    /** A job has ended; its outcome is recorded. */
    void jobEnded(Job j) {
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("job_id", j.id());
        f.put("kind", j.kind().id);
        f.put("status", j.status().id);
        f.put("resource_type", j.resourceType());
        f.put("resource_id", j.resourceId());
        if (j.volumeId() != null) {
            f.put("volume_id", j.volumeId());
            catalog.volume(j.volumeId()).ifPresent(v -> f.put("volume", v.name()));
        }
        if (j.error() != null) f.put("error", j.error());
        if (j.startedAt() != null && j.finishedAt() != null) f.put("duration_seconds", (j.finishedAt().toEpochMilli() - j.startedAt().toEpochMilli()) / 1000.0);
        if (j.kind() == Job.Kind.BACKUP) {
            catalog.backup(j.resourceId()).ifPresent(b -> {
                f.put("backup_name", b.name());
                f.put("volume", b.volumeName());
                f.put("repository", b.repository());
                f.put("container", b.container());
                f.put("incremental", b.incremental());
                f.put("logical_bytes", b.logicalBytes());
                f.put("stored_bytes", b.storedBytes());
                if (b.metadata().containsKey(Schedules.LABEL)) f.put("schedule", b.metadata().get(Schedules.LABEL));
            });
        }
        emit("job." + j.status().id, f);
        if (j.kind() == Job.Kind.VERIFY && j.status() == Job.Status.SUCCEEDED) {
            catalog.backup(j.resourceId()).ifPresent(b -> {
                String verdict = b.facts().getOrDefault("verify.status", "failed");
                emit("verification." + ("passed".equals(verdict) ? "passed" : "failed"), Map.of("backup_id", b.id(), "volume", b.volumeName(),
                        "detail", b.facts().getOrDefault("verify.detail", ""), "job_id", j.id()));
            });
        }
        if (j.kind() == Job.Kind.DELETE_BACKUP && "expired".equals(j.params().get("reason")) && j.status() == Job.Status.SUCCEEDED) {
            emit("backup.expired", Map.of("backup_id", j.resourceId(), "job_id", j.id()));
        }
    }

    void scheduleRun(Schedule s, String outcome) {
        emit(outcome.startsWith("skipped") ? "schedule.skipped" : "schedule.failed", Map.of("schedule", s.name(), "outcome", outcome));
    }

    void diskLow(String where, long free, long floor, String volume) {
        emit("disk.low", Map.of("path", where, "free_bytes", free, "floor_bytes", floor, "volume", volume));
    }

    private void emit(String type, Map<String, Object> fields) {
        Map<String, Object> present = new java.util.LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (v != null) present.put(k, v); // an unknown (a backup without a name) is left out
        });
        Event e = new Event(type, clock.instant().toString(), node, java.util.Collections.unmodifiableMap(present));
        for (Consumer<Event> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException x) {
                LOG.warn("a listener of {} failed: {}", type, x.toString());
            }
        }
    }
}
