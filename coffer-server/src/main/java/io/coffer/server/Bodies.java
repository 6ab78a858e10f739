package io.coffer.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** JSON request bodies. Unknown fields are refused (see {@link Json}). */
final class Bodies {
    private Bodies() {}

    record CreateVolume(String name, String size, String driver, Map<String, String> labels, @JsonProperty("snapshot_id") String snapshotId) {}

    record Attach(String instance) {}

    record UpdateVolume(String name, Map<String, String> labels) {}

    record ExtendVolume(String size) {}

    record CreateSnapshot(@JsonProperty("volume_id") String volumeId, String name, Map<String, String> labels, String consistency) {}

    record CreateBackup(@JsonProperty("volume_id") String volumeId, @JsonProperty("snapshot_id") String snapshotId, String repository,
            String container, String name, String description, Boolean incremental, Boolean force, Map<String, String> metadata,
            @JsonProperty("retention_days") Integer retentionDays, @JsonProperty("expires_at") String expiresAt) {}

    /** A schedule as created or updated (on update, absent fields stay as they are). */
    record Schedule(String name, @JsonProperty("volume_id") String volumeId, @JsonProperty("instance_id") String instanceId, String cron,
            @JsonProperty("time_zone") String timeZone, Boolean incremental, @JsonProperty("full_every") Integer fullEvery,
            @JsonProperty("retention_days") Integer retentionDays, @JsonProperty("keep_last") Integer keepLast, @JsonProperty("keep_daily") Integer keepDaily,
            @JsonProperty("keep_weekly") Integer keepWeekly, @JsonProperty("keep_monthly") Integer keepMonthly, String repository, String container,
            @JsonProperty("verify_cron") String verifyCron) {}

    record ImportBackups(String repository, String container) {}

    record UpdateBackup(String name, String description, Map<String, String> metadata, @JsonProperty("expires_at") String expiresAt) {}

    record ResetStatus(String status) {}

    record Restore(@JsonProperty("volume_id") String volumeId, String name) {}

    record RegisterInstance(String name, String engine, @JsonProperty("volume_id") String volumeId, @JsonProperty("data_subdir") String dataSubdir,
            String host, Integer port, @JsonProperty("socket_dir") String socketDir, String user, @JsonProperty("password_ref") String passwordRef,
            Map<String, String> labels) {}

    /** The DBaaS workflow's names (camelCase), as its clients send them; retentionDays may be a number or a string. */
    record InstanceBackup(String backupName, Integer retentionDays, Boolean incremental, String repository, String container, String consistency,
            String createdBy) {}

    record InstanceRestore(String backup, String name) {}

    record Verify(String query, String database) {}
}
