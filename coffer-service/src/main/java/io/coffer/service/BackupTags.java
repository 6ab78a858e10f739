package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Volume;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * What the catalog knows of a backup, written into its manifest's tags so that a server that
 * has lost its catalog can import the backup from the repository alone ({@link Importer}).
 *
 * <p>The backup's metadata are stored as they are; keys under {@value #PREFIX} are Coffer's own,
 * which is why metadata may not use that prefix.
 */
final class BackupTags {
    static final String PREFIX = "coffer.";
    static final String BACKUP_ID = PREFIX + "backup_id";
    /** A fact recorded on the backup ({@link io.coffer.catalog.Backup#facts()}) is the tag {@code coffer.fact.KEY}. */
    static final String FACT = PREFIX + "fact.";

    private BackupTags() {}

    static Map<String, String> of(Backup b, Volume v, String consistency, Instant dataTime, Map<String, String> facts) {
        Map<String, String> tags = new HashMap<>(b.metadata());
        facts.forEach((k, val) -> tags.put(FACT + k, val));
        if (b.instanceId() != null) tags.put(PREFIX + "instance_id", b.instanceId());
        tags.put(BACKUP_ID, b.id());
        tags.put(PREFIX + "volume_id", v.id());
        tags.put(PREFIX + "volume_name", v.name());
        tags.put(PREFIX + "volume_size", Long.toString(v.sizeBytes()));
        tags.put(PREFIX + "volume_driver", v.driver());
        tags.put(PREFIX + "repository", b.repository());
        tags.put(PREFIX + "container", b.container());
        tags.put(PREFIX + "consistency", consistency);
        tags.put(PREFIX + "created_at", b.createdAt().toString());
        tags.put(PREFIX + "data_timestamp", dataTime.toString());
        tags.put(PREFIX + "incremental", Boolean.toString(b.incremental()));
        if (b.name() != null) tags.put(PREFIX + "name", b.name());
        if (b.description() != null) tags.put(PREFIX + "description", b.description());
        if (b.snapshotId() != null) tags.put(PREFIX + "snapshot_id", b.snapshotId());
        if (b.parentId() != null) tags.put(PREFIX + "parent_id", b.parentId());
        return tags;
    }

    /** The backup's own metadata among a manifest's tags. */
    static Map<String, String> metadata(Map<String, String> tags) {
        Map<String, String> m = new HashMap<>();
        tags.forEach((k, v) -> {
            if (!k.startsWith(PREFIX)) m.put(k, v);
        });
        return m;
    }

    /** The facts among a manifest's tags. */
    static Map<String, String> facts(Map<String, String> tags) {
        Map<String, String> m = new HashMap<>();
        tags.forEach((k, v) -> {
            if (k.startsWith(FACT)) m.put(k.substring(FACT.length()), v);
        });
        return m;
    }

    static Instant instant(Map<String, String> tags, String key, Instant fallback) {
        String s = tags.get(PREFIX + key);
        if (s == null) return fallback;
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    static long number(Map<String, String> tags, String key) {
        try {
            return Long.parseLong(tags.getOrDefault(PREFIX + key, ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
