package io.coffer.server.cinder;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Volumes, snapshots and backups in Cinder's shapes, field for field, at a microversion. */
final class CinderViews {
    /** Cinder's timestamps: naive ISO-8601 with microseconds, UTC. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
    static final String ZONE = "nova";

    private CinderViews() {}

    static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }

    static long gib(long bytes) {
        return (bytes + (1L << 30) - 1) >> 30;
    }

    /** The self and bookmark links of a resource ({@code base}: the scheme and host, {@code project}: the URL's project). */
    static List<Map<String, String>> links(String base, String project, String kind, String id) {
        String p = project == null ? "" : "/" + project;
        return List.of(Map.of("href", base + "/v3" + p + "/" + kind + "/" + id, "rel", "self"),
                Map.of("href", base + p + "/" + kind + "/" + id, "rel", "bookmark"));
    }

    static Map<String, Object> backupSummary(Backup b, Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("name", b.name());
        m.put("links", links(r.base(), r.project(), "backups", b.id()));
        return m;
    }

    static Map<String, Object> backupDetail(Backup b, boolean dependents, Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("availability_zone", ZONE);
        m.put("container", b.container());
        m.put("created_at", time(b.createdAt()));
        m.put("data_timestamp", time(b.dataTimestamp() == null ? b.createdAt() : b.dataTimestamp()));
        m.put("description", b.description());
        m.put("fail_reason", b.failReason());
        m.put("has_dependent_backups", dependents);
        m.put("id", b.id());
        m.put("is_incremental", b.incremental());
        m.put("links", links(r.base(), r.project(), "backups", b.id()));
        if (r.version().atLeast(43)) m.put("metadata", shown(b.metadata()));
        m.put("name", b.name());
        m.put("object_count", b.objectCount());
        if (r.version().atLeast(18)) m.put("os-backup-project-attr:project_id", r.projectOf(b.metadata()));
        m.put("size", gib(b.volumeSize()));
        m.put("snapshot_id", b.snapshotId());
        m.put("status", b.status().id);
        m.put("updated_at", time(b.updatedAt()));
        if (r.version().atLeast(56)) m.put("user_id", r.user());
        m.put("volume_id", b.volumeId());
        return m;
    }

    /** A resource's metadata as its owner gave it: without the project and the display name Coffer records in it. */
    static Map<String, String> shown(Map<String, String> tags) {
        Map<String, String> m = new TreeMap<>(tags);
        m.remove(Request.PROJECT);
        m.remove(DISPLAY_NAME);
        return m;
    }

    /**
     * The label holding a volume's Cinder name when it is not its Coffer name: Cinder's names
     * need not be unique (nor is one project's name another's business), Coffer's are.
     */
    static final String DISPLAY_NAME = "cinder.display_name";

    /** The name Cinder shows for a volume. */
    static String volumeName(Volume v) {
        return v.labels().getOrDefault(DISPLAY_NAME, v.name());
    }

    static Map<String, Object> volumeSummary(Volume v, Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("name", volumeName(v));
        m.put("links", links(r.base(), r.project(), "volumes", v.id()));
        return m;
    }

    static Map<String, Object> volumeDetail(Volume v, Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attachments", v.attachedTo() == null ? List.of() : List.of(attachment(v)));
        m.put("availability_zone", ZONE);
        m.put("bootable", "false");
        m.put("consistencygroup_id", null);
        m.put("created_at", time(v.createdAt()));
        m.put("description", v.labels().get(DESCRIPTION));
        m.put("encrypted", false);
        m.put("id", v.id());
        m.put("links", links(r.base(), r.project(), "volumes", v.id()));
        Map<String, String> metadata = shown(v.labels());
        metadata.remove(DESCRIPTION);
        m.put("metadata", metadata);
        m.put("migration_status", null);
        m.put("multiattach", false);
        m.put("name", volumeName(v));
        m.put("os-vol-host-attr:host", (v.node() == null ? "coffer" : v.node()) + "@" + v.driver() + "#" + v.driver());
        m.put("os-vol-mig-status-attr:migstat", null);
        m.put("os-vol-mig-status-attr:name_id", null);
        m.put("os-vol-tenant-attr:tenant_id", r.projectOf(v.labels()));
        m.put("replication_status", null);
        m.put("size", gib(v.sizeBytes()));
        m.put("snapshot_id", null);
        m.put("source_volid", null);
        m.put("status", v.status().id);
        m.put("updated_at", time(v.updatedAt()));
        m.put("user_id", r.user());
        m.put("volume_type", v.driver());
        if (r.version().atLeast(13)) m.put("group_id", null);
        if (r.version().atLeast(21)) m.put("provider_id", null);
        if (r.version().atLeast(48)) {
            m.put("service_uuid", null);
            m.put("shared_targets", false);
        }
        if (r.version().atLeast(61)) m.put("cluster_name", null);
        if (r.version().atLeast(65)) m.put("consumes_quota", true);
        return m;
    }

    /** A volume's description, kept among its labels (Coffer volumes have none of their own). */
    static final String DESCRIPTION = "description";

    private static Map<String, Object> attachment(Volume v) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("id", v.id());
        a.put("attachment_id", v.id());
        a.put("volume_id", v.id());
        a.put("server_id", v.attachedTo());
        a.put("host_name", v.attachedTo());
        a.put("device", v.path());
        a.put("attached_at", time(v.updatedAt()));
        return a;
    }

    static Map<String, Object> snapshotDetail(Snapshot s, Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("created_at", time(s.createdAt()));
        m.put("description", s.labels().get(DESCRIPTION));
        m.put("id", s.id());
        Map<String, String> metadata = shown(s.labels());
        metadata.remove(DESCRIPTION);
        m.put("metadata", metadata);
        m.put("name", s.name());
        m.put("os-extended-snapshot-attributes:progress", s.status() == Snapshot.Status.AVAILABLE ? "100%" : "0%");
        m.put("os-extended-snapshot-attributes:project_id", r.projectOf(s.labels()));
        m.put("size", gib(s.restoreSize()));
        m.put("status", s.status().id);
        m.put("updated_at", time(s.updatedAt()));
        m.put("volume_id", s.volumeId());
        if (r.version().atLeast(41)) m.put("user_id", r.user());
        if (r.version().atLeast(65)) m.put("consumes_quota", true);
        return m;
    }
}
