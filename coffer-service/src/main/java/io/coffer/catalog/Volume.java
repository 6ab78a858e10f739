package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A volume: a directory ({@code dir}) or a sparse raw image file ({@code image}) on the node
 * {@code node}, the only one that holds its files.
 */
public record Volume(
        String id,
        String name,
        String driver,
        long sizeBytes,
        String path,
        Status status,
        Status previousStatus,
        String attachedTo,
        Map<String, String> labels,
        String failReason,
        Instant createdAt,
        Instant updatedAt,
        String node) {

    /** A volume's status; {@link #id} is its name in the catalog and the API (Cinder's names). What each allows: VolumeGuard. */
    public enum Status {
        AVAILABLE("available"),
        IN_USE("in-use"),
        CREATING("creating"),
        BACKING_UP("backing-up"),
        RESTORING("restoring-backup"),
        ERROR_RESTORING("error_restoring"),
        ERROR("error");

        public final String id;

        Status(String id) {
            this.id = id;
        }

        /** The status named {@code id}; null for null. */
        public static Status of(String id) {
            return Names.parse(values(), s -> s.id, id, "volume status");
        }

        /** True while a job works on the volume. */
        public boolean busy() {
            return this == BACKING_UP || this == RESTORING || this == CREATING;
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public Volume {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** This volume in {@code status}, remembering the status it leaves (for busy states). */
    public Volume enter(Status busyStatus, Instant now) {
        return new Volume(id, name, driver, sizeBytes, path, busyStatus, status, attachedTo, labels, failReason, createdAt, now, node);
    }

    /** Back to the status it had before {@link #enter}. */
    public Volume leave(Instant now) {
        Status back = previousStatus == null ? Status.AVAILABLE : previousStatus;
        return new Volume(id, name, driver, sizeBytes, path, back, null, attachedTo, labels, failReason, createdAt, now, node);
    }

    /** Holding a backup's data after a restore: available (attached as before), whatever it was before the restore. */
    public Volume restored(Instant now) {
        Status back = previousStatus == Status.IN_USE ? Status.IN_USE : Status.AVAILABLE;
        return new Volume(id, name, driver, sizeBytes, path, back, null, attachedTo, labels, null, createdAt, now, node);
    }

    public Volume withStatus(Status s, String reason, Instant now) {
        return new Volume(id, name, driver, sizeBytes, path, s, previousStatus, attachedTo, labels, reason, createdAt, now, node);
    }

    /** This volume renamed, with these labels. */
    public Volume withNameAndLabels(String n, Map<String, String> l, Instant now) {
        return new Volume(id, n, driver, sizeBytes, path, status, previousStatus, attachedTo, l, failReason, createdAt, now, node);
    }

    /** This volume at a new size. */
    public Volume withSize(long bytes, Instant now) {
        return new Volume(id, name, driver, bytes, path, status, previousStatus, attachedTo, labels, failReason, createdAt, now, node);
    }

    public Volume withAttachment(String instance, Instant now) {
        Status s = instance == null ? Status.AVAILABLE : Status.IN_USE;
        return new Volume(id, name, driver, sizeBytes, path, s, null, instance, labels, failReason, createdAt, now, node);
    }

    /** True while a job works on this volume. */
    public boolean busy() {
        return status.busy();
    }
}
