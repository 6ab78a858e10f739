package io.coffer.catalog;

import java.time.Instant;
import java.util.Objects;

/**
 * A repository's totals at one time: its available backups, the bytes they hold (logical), the
 * bytes they added before compression (raw: what deduplication left; null when a backup from
 * before that was recorded is among them) and the bytes they stored (after compression too). The
 * dashboard draws these; logical/raw is the deduplication ratio, raw/stored the compression's.
 */
public record UsageSample(String id, String repository, Instant takenAt, long backups, long logicalBytes, Long rawBytes, long storedBytes) {
    public UsageSample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(takenAt, "takenAt");
    }

    /** True when the totals are those of {@code o} (whenever either was taken). */
    public boolean sameTotals(UsageSample o) {
        return o != null && backups == o.backups && logicalBytes == o.logicalBytes && java.util.Objects.equals(rawBytes, o.rawBytes) && storedBytes == o.storedBytes;
    }
}
