package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A point-in-time copy of a volume.
 *
 * @param method {@code reflink} (a clone at {@code location} on the volume's filesystem) or
 *     {@code repository} (captured into the local snapshot repository; {@code location} is the
 *     manifest id there)
 * @param consistency {@code crash} (one instant: frozen, or an atomic clone of an image),
 *     {@code quiescent} (the volume was not attached), {@code none} (an attached volume read
 *     while it may change), or {@code application}
 * @param freezeMs how long writes to the volume were paused while the snapshot was taken, or
 *     null when nothing was frozen
 */
public record Snapshot(
        String id,
        String name,
        String volumeId,
        Status status,
        String method,
        String location,
        String consistency,
        long restoreSize,
        Long freezeMs,
        Long durationMs,
        Map<String, String> labels,
        String failReason,
        Instant createdAt,
        Instant updatedAt) {

    public static final String REFLINK = "reflink";
    public static final String REPOSITORY = "repository";

    /** The status; {@link #id} is its name in the catalog and the API. */
    public enum Status {
        CREATING, AVAILABLE, DELETING, ERROR;

        public final String id = name().toLowerCase(java.util.Locale.ROOT);

        public static Status of(String id) {
            return Names.parse(values(), s -> s.id, id, "snapshot status");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public Snapshot {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(volumeId, "volumeId");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public boolean readyToUse() {
        return status == Status.AVAILABLE;
    }

    public Snapshot taken(String m, String loc, String c, long size, Long freeze, long duration, Instant now) {
        return new Snapshot(id, name, volumeId, Status.AVAILABLE, m, loc, c, size, freeze, duration, labels, null, createdAt, now);
    }

    public Snapshot withStatus(Status s, String reason, Instant now) {
        return new Snapshot(id, name, volumeId, s, method, location, consistency, restoreSize, freezeMs, durationMs, labels, reason, createdAt, now);
    }
}
