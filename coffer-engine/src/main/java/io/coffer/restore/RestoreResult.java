package io.coffer.restore;

import java.util.List;

/** What a restore did. {@code errors} names every file that could not be restored and why. */
public record RestoreResult(long files, long dirs, long others, long bytes, long deleted, List<String> errors, List<String> warnings) {
    public RestoreResult {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
