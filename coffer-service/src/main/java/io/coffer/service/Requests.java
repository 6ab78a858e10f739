package io.coffer.service;

import java.util.Map;

/** What callers ask of the service; validated by {@link CofferService}, never trusted. */
public final class Requests {
    private Requests() {}

    /** A new volume; {@code size} is bytes or a size with a unit ("10GiB"); {@code snapshot} fills it from a snapshot. */
    public record CreateVolume(String name, String size, String driver, Map<String, String> labels, String snapshot) {}

    /**
     * A snapshot to take: {@code consistency} {@code application} quiesces the database instance
     * registered on the volume for the cut; null or {@code crash}, the volume alone.
     */
    public record CreateSnapshot(String volume, String name, Map<String, String> labels, String consistency) {
        public CreateSnapshot(String volume, String name, Map<String, String> labels) {
            this(volume, name, labels, null);
        }
    }

    /** A backup to take; {@code expiresAt} (null: never) is when the retention sweeper deletes it. */
    public record CreateBackup(String volume, String snapshot, String repository, String container, String name, String description,
            boolean incremental, boolean force, Map<String, String> metadata, java.time.Instant expiresAt) {
        public CreateBackup(String volume, String snapshot, String repository, String container, String name, String description,
                boolean incremental, boolean force, Map<String, String> metadata) {
            this(volume, snapshot, repository, container, name, description, incremental, force, metadata, null);
        }
    }

    /** Restore into the existing {@code volume}, or into a new volume called {@code name} (generated when null). */
    public record Restore(String volume, String name) {}

    /** The result of a restore request: the backup and the volume it is restored into. */
    public record RestoreAccepted(String backupId, String volumeId, String volumeName, String jobId) {}

    /**
     * A database instance to register: its data directory is {@code dataSubdir} on {@code volume};
     * it is reached at {@code host}:{@code port} or in {@code socketDir}; {@code passwordRef} is
     * {@code file:PATH} or {@code env:VAR}.
     */
    public record RegisterInstance(String name, String engine, String volume, String dataSubdir, String host, Integer port, String socketDir,
            String user, String passwordRef, Map<String, String> labels) {}

    /**
     * A backup of an instance. {@code consistency} is {@code application} (the default: the
     * database is quiesced) or {@code crash} (the volume alone is snapshotted).
     */
    public record InstanceBackup(String backupName, Integer retentionDays, boolean incremental, String repository, String container,
            String consistency, String createdBy) {}

    /** Restore of an instance's backup into a new volume with a new instance, called {@code as} (generated when null). */
    public record InstanceRestore(String backup, String as) {}

    /** The result of an instance restore: the new instance, its volume and the job that restores and starts it. */
    public record InstanceRestoreAccepted(String instanceId, String instanceName, String backupId, String volumeId, String volumeName, String jobId) {}

    /**
     * A schedule as created or updated: on update a null field is left as it is. Exactly one of
     * {@code volume} and {@code instance} on create.
     */
    public record ScheduleSpec(String name, String volume, String instance, String cron, String timeZone, Boolean incremental, Integer fullEvery,
            Integer retentionDays, Integer keepLast, Integer keepDaily, Integer keepWeekly, Integer keepMonthly, String repository, String container,
            String verifyCron) {}

    /** Verification of a backup of a database: {@code query} (optional) is run in {@code database} and its first value recorded. */
    public record Verify(String query, String database) {}
}
