package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/** A volume: a directory ({@code dir}) or a sparse raw image file ({@code image}) on this host. */
public record Volume(
        String id,
        String name,
        String driver,
        long sizeBytes,
        String path,
        String status,
        String previousStatus,
        String attachedTo,
        Map<String, String> labels,
        String failReason,
        Instant createdAt,
        Instant updatedAt) {

    public static final String AVAILABLE = "available";
    public static final String IN_USE = "in-use";
    public static final String CREATING = "creating";
    public static final String BACKING_UP = "backing-up";
    public static final String RESTORING = "restoring-backup";
    public static final String ERROR_RESTORING = "error_restoring";
    public static final String ERROR = "error";

    public Volume {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** This volume in {@code status}, remembering the status it leaves (for busy states). */
    public Volume enter(String busyStatus, Instant now) {
        return new Volume(id, name, driver, sizeBytes, path, busyStatus, status, attachedTo, labels, failReason, createdAt, now);
    }

    /** Back to the status it had before {@link #enter}. */
    public Volume leave(Instant now) {
        String back = previousStatus == null ? AVAILABLE : previousStatus;
        return new Volume(id, name, driver, sizeBytes, path, back, null, attachedTo, labels, failReason, createdAt, now);
    }

    /** Holding a backup's data after a restore: available (attached as before), whatever it was before the restore. */
    public Volume restored(Instant now) {
        String back = previousStatus != null && previousStatus.equals(IN_USE) ? IN_USE : AVAILABLE;
        return new Volume(id, name, driver, sizeBytes, path, back, null, attachedTo, labels, null, createdAt, now);
    }

    public Volume withStatus(String s, String reason, Instant now) {
        return new Volume(id, name, driver, sizeBytes, path, s, previousStatus, attachedTo, labels, reason, createdAt, now);
    }

    public Volume withAttachment(String instance, Instant now) {
        String s = instance == null ? AVAILABLE : IN_USE;
        return new Volume(id, name, driver, sizeBytes, path, s, null, instance, labels, failReason, createdAt, now);
    }

    /** True while a job works on this volume. */
    public boolean busy() {
        return status.equals(BACKING_UP) || status.equals(RESTORING) || status.equals(CREATING);
    }
}
