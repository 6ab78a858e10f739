package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A backup of a volume in a repository container. The volume's name, size and driver are
 * copied in, so that the backup can be restored after its volume is gone.
 *
 * @param manifestId the engine's manifest id once the backup is stored, else null
 * @param dataTimestamp when the data was captured (the snapshot's time, or the backup's start)
 * @param instanceId the database instance whose volume this is a backup of, or null
 * @param facts what was recorded about the capture and later checks ({@link Facts} keys): the
 *     consistency reached, the quiesce of a database, verification results
 * @param expiresAt when the retention sweeper deletes it (null: kept until deleted)
 */
public record Backup(
        String id,
        String name,
        String description,
        String volumeId,
        String volumeName,
        long volumeSize,
        String volumeDriver,
        String snapshotId,
        String repository,
        String container,
        Status status,
        String failReason,
        boolean incremental,
        String parentId,
        String manifestId,
        long objectCount,
        long logicalBytes,
        long storedBytes,
        long files,
        Long durationMs,
        Instant dataTimestamp,
        Map<String, String> metadata,
        String instanceId,
        Map<String, String> facts,
        Instant createdAt,
        Instant updatedAt,
        Instant expiresAt) {

    /** The status; {@link #id} is its name in the catalog and the API. */
    public enum Status {
        CREATING, AVAILABLE, RESTORING, DELETING, ERROR;

        public final String id = name().toLowerCase(java.util.Locale.ROOT);

        public static Status of(String id) {
            return Names.parse(values(), s -> s.id, id, "backup status");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public Backup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(volumeId, "volumeId");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        facts = facts == null ? Map.of() : Map.copyOf(facts);
    }

    public Backup withStatus(Status s, String reason, Instant now) {
        return new Backup(id, name, description, volumeId, volumeName, volumeSize, volumeDriver, snapshotId, repository, container, s, reason,
                incremental, parentId, manifestId, objectCount, logicalBytes, storedBytes, files, durationMs, dataTimestamp, metadata, instanceId, facts, createdAt, now, expiresAt);
    }

    /** This backup under a new name, description and metadata (what a user may change). */
    public Backup withDescription(String n, String d, Map<String, String> m, Instant now) {
        return new Backup(id, n, d, volumeId, volumeName, volumeSize, volumeDriver, snapshotId, repository, container, status, failReason,
                incremental, parentId, manifestId, objectCount, logicalBytes, storedBytes, files, durationMs, dataTimestamp, m, instanceId, facts, createdAt, now, expiresAt);
    }

    /** This backup with {@code more} facts added (replacing those of the same key). */
    /** The fact holding the bytes a backup added before compression (its unique data), when recorded. */
    public static final String NEW_RAW_BYTES = "stats.new_raw_bytes";

    /** The bytes this backup added before compression; null for backups made before it was recorded. */
    public Long newRawBytes() {
        String v = facts.get(NEW_RAW_BYTES);
        return v == null ? null : Long.valueOf(v);
    }

    public Backup withFacts(Map<String, String> more, Instant now) {
        var f = new java.util.HashMap<>(facts);
        f.putAll(more);
        return new Backup(id, name, description, volumeId, volumeName, volumeSize, volumeDriver, snapshotId, repository, container, status, failReason,
                incremental, parentId, manifestId, objectCount, logicalBytes, storedBytes, files, durationMs, dataTimestamp, metadata, instanceId, f, createdAt, now, expiresAt);
    }

    /** This backup, to be deleted by the retention sweeper at {@code at} (null: never). */
    public Backup expiring(Instant at, Instant now) {
        return new Backup(id, name, description, volumeId, volumeName, volumeSize, volumeDriver, snapshotId, repository, container, status, failReason,
                incremental, parentId, manifestId, objectCount, logicalBytes, storedBytes, files, durationMs, dataTimestamp, metadata, instanceId, facts, createdAt, now, at);
    }

    public Backup stored(String manifest, long objects, long logical, long stored, long fileCount, long duration, Instant dataTime, Instant now) {
        return new Backup(id, name, description, volumeId, volumeName, volumeSize, volumeDriver, snapshotId, repository, container, Status.AVAILABLE, null,
                incremental, parentId, manifest, objects, logical, stored, fileCount, duration, dataTime, metadata, instanceId, facts, createdAt, now, expiresAt);
    }
}
