package io.coffer.server;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Job;
import io.coffer.catalog.Schedule;
import io.coffer.service.CofferService;
import io.coffer.service.Events;
import io.coffer.service.Schedules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /metrics}: the server's Prometheus metrics (Micrometer's Prometheus registry).
 * Counters and timers are fed by the service's events and by every HTTP request; the gauges that
 * describe the catalog (last good backup per volume, sizes, repository usage, schedules) are
 * recomputed from it at each scrape, so they are true after a restart and on every node of a
 * shared catalog.
 *
 * <pre>
 *   coffer_jobs_total{kind,status}                        jobs ended on this node
 *   coffer_job_duration_seconds{kind}                     histogram
 *   coffer_snapshot_freeze_seconds                        histogram of freeze windows (write pauses)
 *   coffer_backup_last_success_timestamp_seconds{volume}  newest available backup's data time
 *   coffer_backup_bytes{volume,kind="logical|stored"}     of that backup
 *   coffer_repository_stored_bytes{repository}            sum over available backups
 *   coffer_verification_last_success_timestamp_seconds{volume}
 *   coffer_schedule_last_success_timestamp_seconds{schedule}, coffer_schedule_interval_seconds{schedule}
 *   coffer_data_dir_free_bytes, coffer_data_dir_size_bytes, coffer_repository_{free,size}_bytes{repository} (local ones)
 *   coffer_events_total{type}                             every event (failures, expiries, disk guard)
 *   http_server_requests_seconds{method,route,status}, jvm_*, process_*, system_*
 * </pre>
 */
final class Metrics {
    private static final Duration[] JOB_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12)};
    private static final Duration[] FREEZE_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)};
    private final CofferService svc;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge lastSuccess;
    private final MultiGauge backupBytes;
    private final MultiGauge repositoryBytes;
    private final MultiGauge lastVerified;
    private final MultiGauge scheduleSuccess;
    private final MultiGauge scheduleInterval;
    private final Timer freeze;
    private final MultiGauge repositoryFree;
    private final MultiGauge repositorySize;

    Metrics(CofferService svc) {
        this.svc = svc;
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        lastSuccess = MultiGauge.builder("coffer.backup.last.success.timestamp").baseUnit("seconds")
                .description("Data time of the newest available backup of each volume").register(registry);
        backupBytes = MultiGauge.builder("coffer.backup").baseUnit("bytes")
                .description("Logical and stored bytes of the newest available backup of each volume").register(registry);
        repositoryBytes = MultiGauge.builder("coffer.repository.stored").baseUnit("bytes")
                .description("Bytes the available backups stored in each repository").register(registry);
        lastVerified = MultiGauge.builder("coffer.verification.last.success.timestamp").baseUnit("seconds")
                .description("When a backup of each volume last passed verification").register(registry);
        scheduleSuccess = MultiGauge.builder("coffer.schedule.last.success.timestamp").baseUnit("seconds")
                .description("Data time of the newest available backup each schedule made (its creation when it made none)").register(registry);
        scheduleInterval = MultiGauge.builder("coffer.schedule.interval").baseUnit("seconds")
                .description("Time between two runs of each active schedule").register(registry);
        repositoryFree = MultiGauge.builder("coffer.repository.free").baseUnit("bytes").description("Free space on the disk of each local repository").register(registry);
        repositorySize = MultiGauge.builder("coffer.repository.size").baseUnit("bytes").description("Size of the disk of each local repository").register(registry);
        Gauge.builder("coffer.data.dir.free", this::dataDirFree).baseUnit("bytes").description("Free space on the data directory's file system").register(registry);
        Gauge.builder("coffer.data.dir.size", this::dataDirSize).baseUnit("bytes").description("Size of the data directory's file system").register(registry);
        freeze = Timer.builder("coffer.snapshot.freeze").serviceLevelObjectives(FREEZE_BUCKETS)
                .description("How long snapshots held writes (their freeze window; 0 for those that froze nothing)").register(registry);
        svc.events().listen(this::on);
    }

    /** The text exposition, with the catalog's gauges brought up to date. */
    void scrape(Context ctx) {
        refresh();
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
    }

    /** Times a finished HTTP request. */
    void request(Context ctx, long startNanos) {
        String route = ctx.endpointHandlerPath();
        Timer.builder("http.server.requests").tags("method", ctx.method().name(), "route", route == null || route.isEmpty() ? "unmatched" : route,
                "status", Integer.toString(ctx.statusCode())).description("HTTP requests served").register(registry).record(Duration.ofNanos(System.nanoTime() - startNanos));
    }

    private void on(Events.Event e) {
        Counter.builder("coffer.events").tag("type", e.type()).description("Events by type").register(registry).increment();
        if (!e.type().startsWith("job.")) return;
        String kind = String.valueOf(e.fields().get("kind"));
        Counter.builder("coffer.jobs").tags("kind", kind, "status", String.valueOf(e.fields().get("status"))).description("Jobs ended on this node")
                .register(registry).increment();
        if (e.fields().get("duration_seconds") instanceof Double d) {
            Timer.builder("coffer.job.duration").tag("kind", kind).serviceLevelObjectives(JOB_BUCKETS).description("How long jobs ran").register(registry)
                    .record(Duration.ofMillis(Math.round(d * 1000)));
        }
        if (kind.equals(Job.Kind.SNAPSHOT.id) && "succeeded".equals(e.fields().get("status"))) {
            // a snapshot that froze nothing held writes for no time
            svc.catalog().snapshot(String.valueOf(e.fields().get("resource_id")))
                    .ifPresent(s -> freeze.record(Duration.ofMillis(s.freezeMs() == null ? 0 : s.freezeMs())));
        }
    }

    private void refresh() {
        List<Backup> all = svc.catalog().backups();
        Map<String, Backup> newest = new HashMap<>();
        Map<String, Long> stored = new HashMap<>();
        Map<String, Instant> verified = new HashMap<>();
        for (Backup b : all) {
            if (b.status() != Backup.Status.AVAILABLE && b.status() != Backup.Status.RESTORING) continue;
            newest.merge(b.volumeName(), b, (x, y) -> time(y).isAfter(time(x)) ? y : x);
            stored.merge(b.repository(), b.storedBytes(), Long::sum);
            if ("passed".equals(b.facts().get("verify.status")) && b.facts().get("verify.at") != null) {
                verified.merge(b.volumeName(), Instant.parse(b.facts().get("verify.at")), (x, y) -> y.isAfter(x) ? y : x);
            }
        }
        lastSuccess.register(newest.entrySet().stream().map(x -> MultiGauge.Row.of(Tags.of("volume", x.getKey()), seconds(time(x.getValue())))).toList(), true);
        List<MultiGauge.Row<?>> bytes = new ArrayList<>();
        for (var x : newest.entrySet()) {
            bytes.add(MultiGauge.Row.of(Tags.of("volume", x.getKey(), "kind", "logical"), x.getValue().logicalBytes()));
            bytes.add(MultiGauge.Row.of(Tags.of("volume", x.getKey(), "kind", "stored"), x.getValue().storedBytes()));
        }
        backupBytes.register(bytes, true);
        repositoryBytes.register(stored.entrySet().stream().map(x -> MultiGauge.Row.of(Tags.of("repository", x.getKey()), x.getValue())).toList(), true);
        lastVerified.register(verified.entrySet().stream().map(x -> MultiGauge.Row.of(Tags.of("volume", x.getKey()), seconds(x.getValue()))).toList(), true);
        List<MultiGauge.Row<?>> success = new ArrayList<>(), interval = new ArrayList<>();
        for (Schedule s : svc.schedules().list()) {
            success.add(MultiGauge.Row.of(Tags.of("schedule", s.name()), seconds(Schedules.lastSuccess(s, all))));
            svc.schedules().interval(s).ifPresent(d -> interval.add(MultiGauge.Row.of(Tags.of("schedule", s.name()), d.toSeconds())));
        }
        scheduleSuccess.register(success, true);
        scheduleInterval.register(interval, true);
        List<MultiGauge.Row<?>> free = new ArrayList<>(), size = new ArrayList<>();
        for (Disks.Disk d : Disks.measure(svc)) {
            if (d.repository() == null) continue; // the data directory has gauges of its own
            free.add(MultiGauge.Row.of(Tags.of("repository", d.repository()), d.freeBytes()));
            size.add(MultiGauge.Row.of(Tags.of("repository", d.repository()), d.sizeBytes()));
        }
        repositoryFree.register(free, true);
        repositorySize.register(size, true);
    }

    private static Instant time(Backup b) {
        return b.dataTimestamp() != null ? b.dataTimestamp() : b.createdAt();
    }

    private static double seconds(Instant t) {
        return t.toEpochMilli() / 1000.0;
    }

    private double dataDirFree() {
        return space(FileStore::getUsableSpace);
    }

    private double dataDirSize() {
        return space(FileStore::getTotalSpace);
    }

    /** A measure of the data directory's file system; NaN when it cannot be taken. */
    private double space(SpaceOf measure) {
        try {
            return measure.of(Files.getFileStore(svc.config().dataDir()));
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    private interface SpaceOf {
        long of(FileStore s) throws IOException;
    }
}
