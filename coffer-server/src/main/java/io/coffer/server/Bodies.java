package io.coffer.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** JSON request bodies. Unknown fields are refused (see {@link Json}). */
final class Bodies {
    private Bodies() {}

    record CreateVolume(String name, String size, String driver, Map<String, String> labels, @JsonProperty("snapshot_id") String snapshotId) {}

    record Attach(String instance) {}

    record CreateSnapshot(@JsonProperty("volume_id") String volumeId, String name, Map<String, String> labels) {}

    record CreateBackup(@JsonProperty("volume_id") String volumeId, @JsonProperty("snapshot_id") String snapshotId, String repository,
            String container, String name, String description, Boolean incremental, Boolean force, Map<String, String> metadata) {}

    record ImportBackups(String repository, String container) {}

    record Restore(@JsonProperty("volume_id") String volumeId, String name) {}
}
