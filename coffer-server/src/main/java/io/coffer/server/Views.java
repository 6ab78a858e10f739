package io.coffer.server;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Resources as the API shows them (snake_case, Cinder's field names where Cinder has one). */
final class Views {
    private static final long GIB = 1L << 30;

    private Views() {}

    static Map<String, Object> volume(Volume v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("name", v.name());
        m.put("status", v.status().id);
        m.put("driver", v.driver());
        m.put("size", gib(v.sizeBytes()));
        m.put("size_bytes", v.sizeBytes());
        m.put("path", v.path());
        m.put("attached_to", v.attachedTo());
        m.put("node", v.node());
        m.put("previous_status", v.previousStatus() == null ? null : v.previousStatus().id);
        m.put("fail_reason", v.failReason());
        m.put("labels", v.labels());
        m.put("created_at", time(v.createdAt()));
        m.put("updated_at", time(v.updatedAt()));
        return m;
    }

    static Map<String, Object> snapshot(Snapshot s, CofferService svc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("volume_id", s.volumeId());
        m.put("status", s.status().id);
        m.put("ready_to_use", s.readyToUse());
        m.put("restore_size", s.restoreSize());
        m.put("size", gib(s.restoreSize()));
        m.put("method", s.method());
        m.put("consistency", s.consistency());
        m.put("freeze_ms", s.freezeMs());
        m.put("duration_ms", s.durationMs());
        m.put("fail_reason", s.failReason());
        m.put("labels", s.labels());
        m.put("creation_time", time(s.createdAt()));
        m.put("created_at", time(s.createdAt()));
        m.put("updated_at", time(s.updatedAt()));
        if (s.status() == Snapshot.Status.CREATING) svc.latestJobOf(s.id()).ifPresent(j -> m.put("progress", progress(svc.current(j))));
        return m;
    }

    static Map<String, Object> backup(Backup b, CofferService svc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("name", b.name());
        m.put("description", b.description());
        m.put("status", b.status().id);
        m.put("fail_reason", b.failReason());
        m.put("availability_zone", "nova");
        m.put("container", b.container());
        m.put("repository", b.repository());
        m.put("volume_id", b.volumeId());
        m.put("volume_name", b.volumeName());
        m.put("snapshot_id", b.snapshotId());
        m.put("is_incremental", b.incremental());
        m.put("parent_id", b.parentId());
        m.put("has_dependent_backups", svc.hasDependents(b.id()));
        m.put("object_count", b.objectCount());
        m.put("size", gib(b.volumeSize()));
        m.put("volume_size_bytes", b.volumeSize());
        m.put("logical_bytes", b.logicalBytes());
        m.put("stored_bytes", b.storedBytes());
        m.put("new_raw_bytes", b.newRawBytes());
        m.put("files", b.files());
        m.put("duration_ms", b.durationMs());
        m.put("created_at", time(b.createdAt()));
        m.put("updated_at", time(b.updatedAt()));
        m.put("data_timestamp", time(b.dataTimestamp()));
        m.put("expires_at", time(b.expiresAt()));
        m.put("metadata", b.metadata());
        m.put("manifest_id", b.manifestId());
        m.put("instance_id", b.instanceId());
        m.put("consistency", b.facts().get("consistency"));
        Map<String, Object> db = new LinkedHashMap<>();
        Map<String, Object> quiesce = new LinkedHashMap<>();
        Map<String, Object> verification = new LinkedHashMap<>();
        b.facts().forEach((k, v) -> {
            if (k.startsWith("stats.")) return; // shown as fields of their own
            if (k.startsWith("quiesce.")) quiesce.put(k.substring(8), number(v));
            else if (k.startsWith("verify.")) verification.put(k.substring(7), number(v));
            else if (!k.equals("consistency") && !k.equals("password_ref")) db.put(k, v);
        });
        if (!db.isEmpty()) m.put("database", new java.util.TreeMap<>(db));
        if (!quiesce.isEmpty()) m.put("quiesce", new java.util.TreeMap<>(quiesce));
        if (!verification.isEmpty()) m.put("verification", new java.util.TreeMap<>(verification));
        if (b.status() != Backup.Status.AVAILABLE && b.status() != Backup.Status.ERROR) {
            svc.latestJobOf(b.id()).filter(j -> !j.finished()).ifPresent(j -> m.put("progress", progress(svc.current(j))));
        }
        return m;
    }

    static Map<String, Object> instance(Instance i, CofferService svc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("name", i.name());
        m.put("engine", i.engine());
        m.put("status", i.status().id);
        m.put("fail_reason", i.failReason());
        m.put("volume_id", i.volumeId());
        svc.catalog().volume(i.volumeId()).ifPresent(v -> {
            m.put("volume_name", v.name());
            m.put("data_dir", i.dataSubdir().isEmpty() ? v.path() : v.path() + "/" + i.dataSubdir());
        });
        m.put("data_subdir", i.dataSubdir());
        m.put("host", i.host());
        m.put("port", i.port());
        m.put("socket_dir", i.socketDir());
        m.put("user", i.user());
        m.put("password_ref", i.passwordRef());
        m.put("managed", i.managed());
        m.put("pid", i.pid());
        m.put("labels", i.labels());
        m.put("created_at", time(i.createdAt()));
        m.put("updated_at", time(i.updatedAt()));
        return m;
    }

    /** Numbers recorded as text come back as numbers. */
    private static Object number(String v) {
        if (v != null && v.matches("-?\\d{1,18}")) return Long.parseLong(v);
        return v;
    }

    static Map<String, Object> skipped(io.coffer.service.Importer.Skipped s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("manifest_id", s.manifestId());
        m.put("backup_id", s.backupId());
        m.put("reason", s.reason());
        return m;
    }

    static Map<String, Object> job(Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("kind", j.kind().id);
        m.put("status", j.status().id);
        m.put("resource_type", j.resourceType());
        m.put("resource_id", j.resourceId());
        m.put("volume_id", j.volumeId());
        m.put("node", j.node());
        m.put("error", j.error());
        m.put("progress", progress(j));
        m.put("created_at", time(j.createdAt()));
        m.put("started_at", time(j.startedAt()));
        m.put("finished_at", time(j.finishedAt()));
        m.put("updated_at", time(j.updatedAt()));
        return m;
    }

    /** Bytes and files done and total, rate since start, and the estimated time to completion. */
    static Map<String, Object> progress(Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", j.id());
        m.put("job_status", j.status().id);
        m.put("bytes_done", j.bytesDone());
        m.put("bytes_total", j.bytesTotal());
        m.put("files_done", j.filesDone());
        m.put("files_total", j.filesTotal());
        double percent = j.bytesTotal() > 0 ? Math.min(100.0, 100.0 * j.bytesDone() / j.bytesTotal()) : (j.finished() ? 100.0 : 0.0);
        m.put("percent", Math.round(percent * 10) / 10.0);
        Long rate = null;
        Long eta = null;
        if (j.startedAt() != null) {
            Instant end = j.finishedAt() != null ? j.finishedAt() : Instant.now();
            long ms = Math.max(1, end.toEpochMilli() - j.startedAt().toEpochMilli());
            rate = j.bytesDone() * 1000 / ms;
            if (!j.finished() && rate > 0 && j.bytesTotal() > j.bytesDone()) eta = (j.bytesTotal() - j.bytesDone()) / rate;
        }
        m.put("bytes_per_second", rate);
        m.put("eta_seconds", eta);
        return m;
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }

    private static long gib(long bytes) {
        return (bytes + GIB - 1) / GIB;
    }
}
