package io.coffer.check;

import java.util.List;

/** The outcome of a check: counts of what was examined and every finding. */
public record CheckResult(int backups, int trees, int packs, int packsRead, long blobsRead, long bytesRead, List<Finding> findings) {
    public CheckResult {
        findings = List.copyOf(findings);
    }

    public boolean ok() {
        return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.ERROR);
    }
}
