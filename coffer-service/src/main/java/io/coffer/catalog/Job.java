package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A long operation: persisted so that a crash cannot leave it silently half-done.
 *
 * @param kind what it does ({@code backup}, {@code restore}, {@code snapshot},
 *     {@code delete-backup}, {@code volume-from-snapshot})
 * @param resourceType {@code backup}, {@code snapshot} or {@code volume}: the resource it creates or changes
 * @param volumeId the volume it works on, if any
 * @param params what the job needs to run (strings only)
 */
public record Job(
        String id,
        String kind,
        String resourceType,
        String resourceId,
        String volumeId,
        String status,
        Map<String, String> params,
        long bytesDone,
        long bytesTotal,
        long filesDone,
        long filesTotal,
        String error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant updatedAt) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    public Job {
        Objects.requireNonNull(id, "id");
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    public boolean finished() {
        return status.equals(SUCCEEDED) || status.equals(FAILED) || status.equals(CANCELLED);
    }

    public Job started(Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, RUNNING, params, bytesDone, bytesTotal, filesDone, filesTotal, null, createdAt, now, null, now);
    }

    public Job progress(long bd, long bt, long fd, long ft, Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, status, params, bd, bt, fd, ft, error, createdAt, startedAt, finishedAt, now);
    }

    public Job finish(String s, String err, Instant now) {
        return new Job(id, kind, resourceType, resourceId, volumeId, s, params, bytesDone, bytesTotal, filesDone, filesTotal, err, createdAt, startedAt, now, now);
    }
}
