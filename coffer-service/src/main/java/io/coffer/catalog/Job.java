package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A long operation: persisted so that a crash cannot leave it silently half-done.
 *
 * @param kind what it does
 * @param resourceType {@code backup}, {@code snapshot} or {@code volume}: the resource it creates or changes
 * @param volumeId the volume it works on, if any
 * @param params what the job needs to run (strings only)
 * @param node the node that runs it (the node of its volume, or the one that took the request)
 */
public record Job(
        String id,
        Kind kind,
        String resourceType,
        String resourceId,
        String volumeId,
        Status status,
        Map<String, String> params,
        long bytesDone,
        long bytesTotal,
        long filesDone,
        long filesTotal,
        String error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant updatedAt,
        String node) {

    /** What a job does; {@link #id} is its name in the catalog and the API. */
    public enum Kind {
        BACKUP("backup"),
        RESTORE("restore"),
        SNAPSHOT("snapshot"),
        DELETE_BACKUP("delete-backup"),
        VOLUME_FROM_SNAPSHOT("volume-from-snapshot"),
        VERIFY("verify");

        public final String id;

        Kind(String id) {
            this.id = id;
        }

        public static Kind of(String id) {
            return Names.parse(values(), k -> k.id, id, "job kind");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    /**
     * Where a job is, and the one table of where it may go from there: queued → running, or
     * straight to cancelled or failed (cancelled, or interrupted before it began); running → one
     * of the three ends; an end is final.
     */
    public enum Status {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public final String id = name().toLowerCase(java.util.Locale.ROOT);

        public static Status of(String id) {
            return Names.parse(values(), s -> s.id, id, "job status");
        }

        public boolean finished() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        public boolean canBecome(Status next) {
            return switch (this) {
                case QUEUED -> next == RUNNING || next == CANCELLED || next == FAILED;
                case RUNNING -> next.finished();
                case SUCCEEDED, FAILED, CANCELLED -> false;
            };
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    public boolean finished() {
        return status.finished();
    }

    public Job started(Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, next(Status.RUNNING), params, bytesDone, bytesTotal, filesDone, filesTotal, null, createdAt, now, null, now, node);
    }

    public Job progress(long bd, long bt, long fd, long ft, Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, status, params, bd, bt, fd, ft, error, createdAt, startedAt, finishedAt, now, node);
    }

    public Job finish(Status s, String err, Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, next(s), params, bytesDone, bytesTotal, filesDone, filesTotal, err, createdAt, startedAt, now, now, node);
    }

    private Status next(Status s) {
        if (!status.canBecome(s)) throw new IllegalStateException("job " + id + " is " + status + " and cannot become " + s);
        return s;
    }
}
