package io.coffer.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** How one record type maps to one table: its columns, in order, and both conversions. */
abstract class Table<T> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    final String name;
    final List<String> columns;

    Table(String name, List<String> columns) {
        this.name = name;
        this.columns = columns;
    }

    abstract String id(T row);

    /** The order rows are listed in. */
    String order() {
        return "created_at, id";
    }

    /** Column values in the order of {@link #columns}; the first is the id. */
    abstract Object[] values(T row);

    abstract T read(ResultSet rs) throws SQLException;

    static String time(Instant t) {
        return t == null ? null : TIME.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    static Instant time(ResultSet rs, String col) throws SQLException {
        String s = rs.getString(col);
        return s == null ? null : Instant.parse(s);
    }

    static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    static String json(Map<String, String> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> map(ResultSet rs, String col) throws SQLException {
        String s = rs.getString(col);
        if (s == null || s.isEmpty()) return Map.of();
        try {
            return JSON.readValue(s, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new SQLException("column " + col + " of " + rs.getString("id") + " is not a JSON object", e);
        }
    }

    static final Table<Volume> VOLUMES = new Table<>("volumes", List.of("id", "name", "driver", "size_bytes", "path", "status",
            "previous_status", "attached_to", "labels", "fail_reason", "created_at", "updated_at", "node_id")) {
        @Override
        String id(Volume v) {
            return v.id();
        }

        @Override
        Object[] values(Volume v) {
            return new Object[] {v.id(), v.name(), v.driver(), v.sizeBytes(), v.path(), v.status().id, v.previousStatus() == null ? null : v.previousStatus().id, v.attachedTo(),
                    json(v.labels()), v.failReason(), time(v.createdAt()), time(v.updatedAt()), v.node()};
        }

        @Override
        Volume read(ResultSet rs) throws SQLException {
            return new Volume(rs.getString("id"), rs.getString("name"), rs.getString("driver"), rs.getLong("size_bytes"), rs.getString("path"),
                    Volume.Status.of(rs.getString("status")), Volume.Status.of(rs.getString("previous_status")), rs.getString("attached_to"), map(rs, "labels"),
                    rs.getString("fail_reason"), time(rs, "created_at"), time(rs, "updated_at"), rs.getString("node_id"));
        }
    };

    static final Table<Snapshot> SNAPSHOTS = new Table<>("snapshots", List.of("id", "name", "volume_id", "status", "method", "location",
            "consistency", "restore_size", "freeze_ms", "duration_ms", "labels", "fail_reason", "created_at", "updated_at")) {
        @Override
        String id(Snapshot s) {
            return s.id();
        }

        @Override
        Object[] values(Snapshot s) {
            return new Object[] {s.id(), s.name(), s.volumeId(), s.status().id, s.method(), s.location(), s.consistency(), s.restoreSize(),
                    s.freezeMs(), s.durationMs(), json(s.labels()), s.failReason(), time(s.createdAt()), time(s.updatedAt())};
        }

        @Override
        Snapshot read(ResultSet rs) throws SQLException {
            return new Snapshot(rs.getString("id"), rs.getString("name"), rs.getString("volume_id"), Snapshot.Status.of(rs.getString("status")),
                    rs.getString("method"), rs.getString("location"), rs.getString("consistency"), rs.getLong("restore_size"),
                    nullableLong(rs, "freeze_ms"), nullableLong(rs, "duration_ms"), map(rs, "labels"), rs.getString("fail_reason"),
                    time(rs, "created_at"), time(rs, "updated_at"));
        }
    };

    static final Table<Backup> BACKUPS = new Table<>("backups", List.of("id", "name", "description", "volume_id", "volume_name",
            "volume_size", "volume_driver", "snapshot_id", "repository", "container", "status", "fail_reason", "is_incremental",
            "parent_id", "manifest_id", "object_count", "logical_bytes", "stored_bytes", "files", "duration_ms", "data_timestamp",
            "metadata", "instance_id", "facts", "created_at", "updated_at", "expires_at")) {
        @Override
        String id(Backup b) {
            return b.id();
        }

        @Override
        Object[] values(Backup b) {
            return new Object[] {b.id(), b.name(), b.description(), b.volumeId(), b.volumeName(), b.volumeSize(), b.volumeDriver(),
                    b.snapshotId(), b.repository(), b.container(), b.status().id, b.failReason(), b.incremental() ? 1 : 0, b.parentId(),
                    b.manifestId(), b.objectCount(), b.logicalBytes(), b.storedBytes(), b.files(), b.durationMs(), time(b.dataTimestamp()),
                    json(b.metadata()), b.instanceId(), json(b.facts()), time(b.createdAt()), time(b.updatedAt()), time(b.expiresAt())};
        }

        @Override
        Backup read(ResultSet rs) throws SQLException {
            return new Backup(rs.getString("id"), rs.getString("name"), rs.getString("description"), rs.getString("volume_id"),
                    rs.getString("volume_name"), rs.getLong("volume_size"), rs.getString("volume_driver"), rs.getString("snapshot_id"),
                    rs.getString("repository"), rs.getString("container"), Backup.Status.of(rs.getString("status")), rs.getString("fail_reason"),
                    rs.getInt("is_incremental") != 0, rs.getString("parent_id"), rs.getString("manifest_id"), rs.getLong("object_count"),
                    rs.getLong("logical_bytes"), rs.getLong("stored_bytes"), rs.getLong("files"), nullableLong(rs, "duration_ms"),
                    time(rs, "data_timestamp"), map(rs, "metadata"), rs.getString("instance_id"), map(rs, "facts"), time(rs, "created_at"),
                    time(rs, "updated_at"), time(rs, "expires_at"));
        }
    };

    static final Table<Instance> INSTANCES = new Table<>("instances", List.of("id", "name", "engine", "volume_id", "data_subdir", "host",
            "port", "socket_dir", "db_user", "password_ref", "status", "managed", "pid", "labels", "fail_reason", "created_at", "updated_at")) {
        @Override
        String id(Instance i) {
            return i.id();
        }

        @Override
        Object[] values(Instance i) {
            return new Object[] {i.id(), i.name(), i.engine(), i.volumeId(), i.dataSubdir(), i.host(), i.port(), i.socketDir(), i.user(),
                    i.passwordRef(), i.status().id, i.managed() ? 1 : 0, i.pid(), json(i.labels()), i.failReason(), time(i.createdAt()),
                    time(i.updatedAt())};
        }

        @Override
        Instance read(ResultSet rs) throws SQLException {
            Long port = nullableLong(rs, "port");
            return new Instance(rs.getString("id"), rs.getString("name"), rs.getString("engine"), rs.getString("volume_id"),
                    rs.getString("data_subdir"), rs.getString("host"), port == null ? null : port.intValue(), rs.getString("socket_dir"),
                    rs.getString("db_user"), rs.getString("password_ref"), Instance.Status.of(rs.getString("status")), rs.getInt("managed") != 0,
                    nullableLong(rs, "pid"), map(rs, "labels"), rs.getString("fail_reason"), time(rs, "created_at"), time(rs, "updated_at"));
        }
    };

    static final Table<Schedule> SCHEDULES = new Table<>("schedules", List.of("id", "name", "target_type", "target_id", "cron", "time_zone",
            "policy", "verify_cron", "paused", "runs", "next_run_at", "last_run_at", "last_outcome", "last_backup_id", "next_verify_at",
            "last_verify_at", "last_verify_outcome", "created_at", "updated_at")) {
        @Override
        String id(Schedule s) {
            return s.id();
        }

        @Override
        Object[] values(Schedule s) {
            return new Object[] {s.id(), s.name(), s.targetType().id, s.targetId(), s.cron(), s.timeZone(), json(s.policy().toMap()), s.verifyCron(),
                    s.paused() ? 1 : 0, s.runs(), time(s.nextRunAt()), time(s.lastRunAt()), s.lastOutcome(), s.lastBackupId(), time(s.nextVerifyAt()),
                    time(s.lastVerifyAt()), s.lastVerifyOutcome(), time(s.createdAt()), time(s.updatedAt())};
        }

        @Override
        Schedule read(ResultSet rs) throws SQLException {
            return new Schedule(rs.getString("id"), rs.getString("name"), Schedule.Target.of(rs.getString("target_type")), rs.getString("target_id"),
                    rs.getString("cron"), rs.getString("time_zone"), Schedule.Policy.of(map(rs, "policy")), rs.getString("verify_cron"),
                    rs.getInt("paused") != 0, rs.getLong("runs"), time(rs, "next_run_at"), time(rs, "last_run_at"), rs.getString("last_outcome"),
                    rs.getString("last_backup_id"), time(rs, "next_verify_at"), time(rs, "last_verify_at"), rs.getString("last_verify_outcome"),
                    time(rs, "created_at"), time(rs, "updated_at"));
        }
    };

    static final Table<UsageSample> USAGE = new Table<>("usage_samples", List.of("id", "repository", "taken_at", "backups", "logical_bytes", "stored_bytes", "raw_bytes")) {
        @Override
        String id(UsageSample u) {
            return u.id();
        }

        @Override
        Object[] values(UsageSample u) {
            return new Object[] {u.id(), u.repository(), time(u.takenAt()), u.backups(), u.logicalBytes(), u.storedBytes(), u.rawBytes()};
        }

        @Override
        String order() {
            return "taken_at, id";
        }

        @Override
        UsageSample read(ResultSet rs) throws SQLException {
            return new UsageSample(rs.getString("id"), rs.getString("repository"), time(rs, "taken_at"), rs.getLong("backups"),
                    rs.getLong("logical_bytes"), nullableLong(rs, "raw_bytes"), rs.getLong("stored_bytes"));
        }
    };

    static final Table<Job> JOBS = new Table<>("jobs", List.of("id", "kind", "resource_type", "resource_id", "volume_id", "status",
            "params", "bytes_done", "bytes_total", "files_done", "files_total", "error", "created_at", "started_at", "finished_at",
            "updated_at", "node_id")) {
        @Override
        String id(Job j) {
            return j.id();
        }

        @Override
        Object[] values(Job j) {
            return new Object[] {j.id(), j.kind().id, j.resourceType(), j.resourceId(), j.volumeId(), j.status().id, json(j.params()),
                    j.bytesDone(), j.bytesTotal(), j.filesDone(), j.filesTotal(), j.error(), time(j.createdAt()), time(j.startedAt()),
                    time(j.finishedAt()), time(j.updatedAt()), j.node()};
        }

        @Override
        Job read(ResultSet rs) throws SQLException {
            return new Job(rs.getString("id"), Job.Kind.of(rs.getString("kind")), rs.getString("resource_type"), rs.getString("resource_id"),
                    rs.getString("volume_id"), Job.Status.of(rs.getString("status")), map(rs, "params"), rs.getLong("bytes_done"),
                    rs.getLong("bytes_total"), rs.getLong("files_done"), rs.getLong("files_total"), rs.getString("error"),
                    time(rs, "created_at"), time(rs, "started_at"), time(rs, "finished_at"), time(rs, "updated_at"), rs.getString("node_id"));
        }
    };
}
