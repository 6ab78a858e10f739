package io.coffer.backup;

import io.coffer.repo.Manifest;
import java.util.List;

/** A finished backup: its id, manifest and the warnings (files skipped) met on the way. */
public record BackupResult(String id, Manifest manifest, List<String> warnings) {
    public BackupResult {
        warnings = List.copyOf(warnings);
    }
}
