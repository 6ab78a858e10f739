package io.coffer.service;

import java.util.Map;

/** What callers ask of the service; validated by {@link CofferService}, never trusted. */
public final class Requests {
    private Requests() {}

    /** A new volume; {@code size} is bytes or a size with a unit ("10GiB"); {@code snapshot} fills it from a snapshot. */
    public record CreateVolume(String name, String size, String driver, Map<String, String> labels, String snapshot) {}

    public record CreateSnapshot(String volume, String name, Map<String, String> labels) {}

    public record CreateBackup(String volume, String snapshot, String repository, String container, String name, String description,
            boolean incremental, boolean force, Map<String, String> metadata) {}

    /** Restore into the existing {@code volume}, or into a new volume called {@code name} (generated when null). */
    public record Restore(String volume, String name) {}

    /** The result of a restore request: the backup and the volume it is restored into. */
    public record RestoreAccepted(String backupId, String volumeId, String volumeName, String jobId) {}
}
