package io.coffer.catalog;

import java.time.Instant;
import java.util.Objects;

/**
 * A repository's totals at one time: its available backups, the bytes they hold (logical) and
 * the bytes they stored (after deduplication and compression). The dashboard draws these.
 */
public record UsageSample(String id, String repository, Instant takenAt, long backups, long logicalBytes, long storedBytes) {
    public UsageSample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(takenAt, "takenAt");
    }

    /** True when the totals are those of {@code o} (whenever either was taken). */
    public boolean sameTotals(UsageSample o) {
        return o != null && backups == o.backups && logicalBytes == o.logicalBytes && storedBytes == o.storedBytes;
    }
}
