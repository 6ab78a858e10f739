package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.repo.BlobId;
import io.coffer.repo.Manifest;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds catalog entries from a repository container: every manifest that a Coffer server
 * wrote (it carries {@value BackupTags#BACKUP_ID}) and that the catalog does not know becomes an
 * {@code available} backup with its original id, name, volume, parent, metadata and times —
 * after checking that its root tree is in the repository's index, else it is refused.
 *
 * <p>Import only adds rows: it never changes the repository, and running it twice imports
 * nothing the second time.
 */
public final class Importer {
    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);

    /** A manifest that was not imported, and why. */
    public record Skipped(String manifestId, String backupId, String reason) {}

    public record Result(String repository, String container, List<Backup> imported, List<Skipped> skipped) {}

    private final Catalog catalog;
    private final Repositories repositories;
    private final Clock clock;

    Importer(Catalog catalog, Repositories repositories, Clock clock) {
        this.catalog = catalog;
        this.repositories = repositories;
        this.clock = clock;
    }

    /** Reads the container's manifests into backups not yet in the catalog; {@code insert} stores them. */
    Result read(Repositories.Target t) throws IOException {
        return read(t, null);
    }

    /** The same for one manifest ({@code only}), or all when null. */
    Result read(Repositories.Target t, String only) throws IOException {
        List<Backup> found = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        Lock lock = repositories.lock(t.repository(), t.container()).readLock();
        lock.lock();
        try (Repository repo = open(t)) {
            for (String mid : only == null ? repo.manifestIds() : List.of(only)) {
                Manifest m;
                try {
                    m = repo.loadManifest(mid);
                } catch (RepositoryException e) {
                    if (e.kind() == RepositoryException.Kind.NOT_FOUND) continue; // deleted meanwhile
                    skipped.add(new Skipped(mid, null, "manifest cannot be read: " + e.getMessage()));
                    continue;
                }
                var tags = m.tags();
                String id = tags.get(BackupTags.BACKUP_ID);
                if (id == null) {
                    skipped.add(new Skipped(mid, null, "not made by a Coffer server (no " + BackupTags.BACKUP_ID + " tag); restore it with: coffer restore --repo"));
                    continue;
                }
                if (catalog.backup(id).isPresent()) {
                    skipped.add(new Skipped(mid, id, "already in the catalog"));
                    continue;
                }
                String problem = problem(repo, m);
                if (problem != null) {
                    skipped.add(new Skipped(mid, id, problem));
                    continue;
                }
                found.add(backupOf(t, mid, m));
            }
        } finally {
            lock.unlock();
        }
        return new Result(t.repository(), t.container(), found, skipped);
    }

    private Repository open(Repositories.Target t) throws IOException {
        try {
            return repositories.open(t.repository(), t.container(), false);
        } catch (RepositoryException e) {
            if (e.kind() == RepositoryException.Kind.NOT_FOUND) {
                throw ServiceException.notFound("container '" + t.container() + "' of repository '" + t.repository() + "' holds no repository: " + e.getMessage());
            }
            throw e;
        }
    }

    /** Why the manifest cannot become an available backup, or null. */
    private static String problem(Repository repo, Manifest m) {
        var tags = m.tags();
        for (String k : List.of("volume_id", "volume_name", "volume_driver")) {
            if (tags.get(BackupTags.PREFIX + k) == null) return "manifest lacks the " + BackupTags.PREFIX + k + " tag";
        }
        if (BackupTags.number(tags, "volume_size") <= 0) return "manifest lacks a valid " + BackupTags.PREFIX + "volume_size tag";
        BlobId tree;
        try {
            tree = BlobId.parse(m.tree());
        } catch (RuntimeException e) {
            return "manifest names no valid root tree";
        }
        if (!repo.index().contains(tree)) return "its root tree " + m.tree() + " is not in the repository's index (the backup is incomplete or damaged; run: coffer repo check)";
        return null;
    }

    private Backup backupOf(Repositories.Target t, String manifestId, Manifest m) {
        var tags = m.tags();
        Instant now = clock.instant();
        Instant started = instantOr(m.time(), now);
        Instant created = BackupTags.instant(tags, "created_at", started);
        Instant data = BackupTags.instant(tags, "data_timestamp", started);
        String parent = tags.get(BackupTags.PREFIX + "parent_id");
        var st = m.stats();
        return new Backup(tags.get(BackupTags.BACKUP_ID), tags.get(BackupTags.PREFIX + "name"), tags.get(BackupTags.PREFIX + "description"),
                tags.get(BackupTags.PREFIX + "volume_id"), tags.get(BackupTags.PREFIX + "volume_name"), BackupTags.number(tags, "volume_size"),
                tags.get(BackupTags.PREFIX + "volume_driver"), tags.get(BackupTags.PREFIX + "snapshot_id"), t.repository(), t.container(),
                Backup.Status.AVAILABLE, null, parent != null, parent, manifestId, st.newBlobs(), st.logicalBytes(), st.newStoredBytes(), st.files(),
                st.durationMs(), data, BackupTags.metadata(tags), tags.get(BackupTags.PREFIX + "instance_id"), BackupTags.facts(tags), created, now, null);
    }

    private static Instant instantOr(String s, Instant fallback) {
        try {
            return s == null ? fallback : Instant.parse(s);
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    /** Stores what {@link #read} found, skipping any backup that appeared in the catalog meanwhile. */
    Result insert(Result r) {
        List<Backup> done = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>(r.skipped());
        catalog.inTransaction(() -> {
            for (Backup b : r.imported()) {
                if (catalog.backup(b.id()).isPresent()) {
                    skipped.add(new Skipped(b.manifestId(), b.id(), "already in the catalog"));
                    continue;
                }
                catalog.insert(b);
                done.add(b);
            }
            return null;
        });
        for (Backup b : done) LOG.info("backup {} ({}) imported from {}/{}", b.id(), b.volumeName(), r.repository(), r.container());
        return new Result(r.repository(), r.container(), done, skipped);
    }
}
