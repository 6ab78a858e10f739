package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Job;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.volume.VolumeDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's API: validates each request, records its intent in the catalog (the resource
 * in its busy state and a queued job, in one transaction) and hands the job to the
 * {@link JobRunner}. Every refusal is a {@link ServiceException} that names the resource.
 *
 * <p>Requests that change state run under one lock, so two requests cannot both see a volume
 * {@code available} and both start a job on it.
 */
public final class CofferService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CofferService.class);
    private static final long GIB = 1L << 30;

    private final ServiceConfig config;
    private final Catalog catalog;
    private final Clock clock;
    private final Repositories repositories;
    private final Operations ops;
    private final JobRunner jobs;
    private final Importer importer;
    private final Object mutex = new Object();

    private CofferService(ServiceConfig config, Catalog catalog, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
        this.repositories = new Repositories(config.repositories(), config.repositorySettings());
        this.ops = new Operations(config, catalog, repositories, clock);
        this.jobs = new JobRunner(catalog, clock, config.workers(), ops.handlers());
        this.importer = new Importer(catalog, repositories, clock);
    }

    /** Opens the catalog, reconciles what a crash interrupted, and starts the job workers. */
    public static CofferService start(ServiceConfig config, Clock clock) throws IOException {
        Files.createDirectories(config.dataDir());
        Catalog catalog = Catalog.open(config.catalogUrl(), config.catalogUser(), config.catalogPassword());
        new Reconciler(config, catalog, clock).run();
        return new CofferService(config, catalog, clock);
    }

    public ServiceConfig config() {
        return config;
    }

    public Catalog catalog() {
        return catalog;
    }

    // ---- volumes ----

    public Volume createVolume(Requests.CreateVolume r) throws IOException {
        String name = Validation.name("volume", r.name());
        String driverName = r.driver() == null ? "dir" : r.driver();
        VolumeDriver driver;
        try {
            driver = ops.driver(driverName);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalid(e.getMessage());
        }
        var labels = Validation.labels("labels", r.labels());
        synchronized (mutex) {
            if (catalog.volumeNamed(name).isPresent()) throw ServiceException.conflict("a volume named '" + name + "' exists already; choose another name");
            String id = UUID.randomUUID().toString();
            var now = clock.instant();
            if (r.snapshot() != null) {
                Snapshot s = snapshot(r.snapshot());
                if (!s.readyToUse()) throw ServiceException.invalid("Invalid snapshot: snapshot " + s.id() + " is " + s.status() + "; it must be available");
                Volume src = catalog.volume(s.volumeId()).orElseThrow(() -> ServiceException.notFound("the volume of snapshot " + s.id() + " is gone"));
                if (!src.driver().equals(driverName) && r.driver() != null) {
                    throw ServiceException.invalid("snapshot " + s.id() + " is of a " + src.driver() + " volume; a " + driverName + " volume cannot be made from it");
                }
                long size = r.size() == null ? s.restoreSize() : Validation.size(r.size());
                if (size < s.restoreSize()) throw ServiceException.invalid("volume size " + size + " is smaller than snapshot " + s.id() + " (" + s.restoreSize() + " bytes)");
                VolumeDriver d = ops.driver(src.driver());
                Volume v = new Volume(id, name, src.driver(), size, d.pathOf(id).toString(), Volume.CREATING, null, null, labels, null, now, now);
                Job job = newJob(Operations.VOLUME_FROM_SNAPSHOT, "volume", id, id, Map.of("snapshot", s.id()));
                catalog.inTransaction(() -> {
                    catalog.insert(v);
                    catalog.insert(job);
                    return null;
                });
                jobs.submit(job);
                return v;
            }
            long size = Validation.size(r.size());
            Path path = driver.create(id, size);
            Volume v = new Volume(id, name, driver.name(), size, path.toString(), Volume.AVAILABLE, null, null, labels, null, now, now);
            try {
                catalog.insert(v);
            } catch (RuntimeException e) {
                driver.delete(id);
                throw e;
            }
            LOG.info("volume {} ({}) created at {}", name, id, path);
            return v;
        }
    }

    public List<Volume> volumes() {
        return catalog.volumes();
    }

    /** A volume by id or name. */
    public Volume volume(String ref) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no volume given");
        return catalog.volume(ref).or(() -> catalog.volumeNamed(ref))
                .orElseThrow(() -> ServiceException.notFound("Volume " + Validation.printable(ref) + " could not be found."));
    }

    public void deleteVolume(String ref) throws IOException {
        synchronized (mutex) {
            Volume v = volume(ref);
            if (v.attachedTo() != null) throw ServiceException.conflict("volume " + v.name() + " is attached to " + v.attachedTo() + "; detach it first");
            if (v.busy()) throw ServiceException.conflict("volume " + v.name() + " is " + v.status() + "; wait for its job to finish");
            List<Snapshot> snaps = catalog.snapshotsOf(v.id());
            if (!snaps.isEmpty()) throw ServiceException.conflict("volume " + v.name() + " still has " + snaps.size() + " dependent snapshots; delete them first");
            ops.driver(v.driver()).delete(v.id());
            catalog.deleteVolume(v.id());
            LOG.info("volume {} ({}) deleted", v.name(), v.id());
        }
    }

    public Volume attach(String ref, String instance) {
        Validation.name("instance", instance);
        synchronized (mutex) {
            Volume v = volume(ref);
            if (!v.status().equals(Volume.AVAILABLE)) throw ServiceException.conflict("volume " + v.name() + " is " + v.status() + "; only an available volume can be attached");
            Volume a = v.withAttachment(instance, clock.instant());
            catalog.update(a);
            return a;
        }
    }

    public Volume detach(String ref) {
        synchronized (mutex) {
            Volume v = volume(ref);
            if (!v.status().equals(Volume.IN_USE)) throw ServiceException.conflict("volume " + v.name() + " is " + v.status() + ", not in-use");
            Volume a = v.withAttachment(null, clock.instant());
            catalog.update(a);
            return a;
        }
    }

    // ---- snapshots ----

    public Snapshot createSnapshot(Requests.CreateSnapshot r) {
        var labels = Validation.labels("labels", r.labels());
        synchronized (mutex) {
            Volume v = volume(r.volume());
            if (!v.status().equals(Volume.AVAILABLE) && !v.status().equals(Volume.IN_USE)) {
                throw ServiceException.invalid("Invalid volume: volume " + v.name() + " must be available or in-use to be snapshotted, but the current status is \"" + v.status() + "\".");
            }
            String id = UUID.randomUUID().toString();
            String name = r.name() == null ? "snapshot-" + id.substring(0, 8) : Validation.name("snapshot", r.name());
            var now = clock.instant();
            Snapshot s = new Snapshot(id, name, v.id(), Snapshot.CREATING, "pending", null, "crash", v.sizeBytes(), null, null, labels, null, now, now);
            Job job = newJob(Operations.SNAPSHOT, "snapshot", id, v.id(), Map.of());
            catalog.inTransaction(() -> {
                catalog.insert(s);
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            return s;
        }
    }

    public List<Snapshot> snapshots() {
        return catalog.snapshots();
    }

    public Snapshot snapshot(String ref) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no snapshot given");
        return catalog.snapshot(ref).or(() -> unique("snapshot", ref, catalog.snapshotsNamed(ref)))
                .orElseThrow(() -> ServiceException.notFound("Snapshot " + Validation.printable(ref) + " could not be found."));
    }

    public void deleteSnapshot(String ref) throws IOException {
        synchronized (mutex) {
            Snapshot s = snapshot(ref);
            if (s.status().equals(Snapshot.CREATING)) throw ServiceException.conflict("snapshot " + s.id() + " is still being created; wait for it");
            boolean used = catalog.backupsOf(s.volumeId()).stream()
                    .anyMatch(b -> s.id().equals(b.snapshotId()) && b.status().equals(Backup.CREATING));
            if (used) throw ServiceException.conflict("snapshot " + s.id() + " is being backed up; wait for the backup to finish");
            boolean source = catalog.jobs().stream().anyMatch(j -> !j.finished() && s.id().equals(j.params().get("snapshot")));
            if (source) throw ServiceException.conflict("snapshot " + s.id() + " is the source of a volume being created; wait for it");
            ops.deleteSnapshotData(s);
            catalog.deleteSnapshot(s.id());
        }
    }

    // ---- backups ----

    public Backup createBackup(Requests.CreateBackup r) {
        String repository = r.repository() == null ? config.defaultRepository() : r.repository();
        if (!repositories.exists(repository)) throw ServiceException.invalid("repository '" + Validation.printable(repository) + "' is not configured");
        String container = Validation.container(r.container() == null ? config.defaultContainer() : r.container());
        String name = r.name() == null ? null : Validation.name("backup", r.name());
        String description = Validation.text("description", r.description(), 1024);
        var metadata = Validation.labels("metadata", r.metadata());
        for (String k : metadata.keySet()) {
            if (k.startsWith(BackupTags.PREFIX)) throw ServiceException.invalid("metadata key '" + Validation.printable(k) + "' is reserved: keys starting with '" + BackupTags.PREFIX + "' are Coffer's own");
        }
        synchronized (mutex) {
            Volume v = volume(r.volume());
            Snapshot snap = null;
            if (r.snapshot() != null) {
                snap = snapshot(r.snapshot());
                if (!snap.volumeId().equals(v.id())) throw ServiceException.invalid("Invalid volume: Volume " + v.id() + " does not match with snapshot.volume_id " + snap.volumeId() + ".");
                if (!snap.readyToUse()) throw ServiceException.invalid("Invalid snapshot: Snapshot to be backed up must be available, but the current status is \"" + snap.status() + "\".");
            }
            if (!v.status().equals(Volume.AVAILABLE) && !v.status().equals(Volume.IN_USE)) {
                throw ServiceException.invalid("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"" + v.status() + "\".");
            }
            if (v.status().equals(Volume.IN_USE) && !r.force() && snap == null) {
                throw ServiceException.invalid("Invalid volume: Backing up an in-use volume must use the force flag.");
            }
            String parent = null;
            if (r.incremental()) {
                parent = catalog.backupsOf(v.id()).stream()
                        .filter(b -> b.status().equals(Backup.AVAILABLE) && b.repository().equals(repository) && b.container().equals(container))
                        .max(Comparator.comparing(Backup::dataTimestamp).thenComparing(Backup::createdAt))
                        .map(Backup::id)
                        .orElseThrow(() -> ServiceException.invalid("Invalid backup: No backups available to do an incremental backup."));
            }
            String id = UUID.randomUUID().toString();
            var now = clock.instant();
            Backup b = new Backup(id, name, description, v.id(), v.name(), v.sizeBytes(), v.driver(), snap == null ? null : snap.id(),
                    repository, container, Backup.CREATING, null, r.incremental(), parent, null, 0, 0, 0, 0, null, null, metadata, now, now);
            Job job = newJob(Operations.BACKUP, "backup", id, v.id(), Map.of());
            Volume busy = v.enter(Volume.BACKING_UP, now);
            catalog.inTransaction(() -> {
                catalog.insert(b);
                catalog.update(busy);
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            LOG.info("backup {} of volume {} queued (job {})", id, v.name(), job.id());
            return b;
        }
    }

    public List<Backup> backups() {
        return catalog.backups();
    }

    public Backup backup(String ref) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no backup given");
        return catalog.backup(ref).or(() -> unique("backup", ref, catalog.backupsNamed(ref)))
                .orElseThrow(() -> ServiceException.notFound("Backup " + Validation.printable(ref) + " could not be found."));
    }

    public boolean hasDependents(String backupId) {
        return !catalog.childrenOf(backupId).isEmpty();
    }

    /**
     * Deletes a backup. With dependents (incrementals built on it) this is refused, as in Cinder,
     * unless {@code cascade}: then the whole chain below it goes too. Returns the deletion job.
     */
    public Job deleteBackup(String ref, boolean cascade) {
        synchronized (mutex) {
            Backup b = backup(ref);
            List<Backup> chain = new ArrayList<>();
            Deque<Backup> todo = new ArrayDeque<>(List.of(b));
            while (!todo.isEmpty()) {
                Backup x = todo.pop();
                if (!x.status().equals(Backup.AVAILABLE) && !x.status().equals(Backup.ERROR)) {
                    throw ServiceException.invalid("Invalid backup: Backup status must be available or error (backup " + x.id() + " is " + x.status() + ")");
                }
                chain.add(x);
                List<Backup> kids = catalog.childrenOf(x.id());
                if (!kids.isEmpty() && !cascade) throw ServiceException.invalid("Invalid backup: Incremental backups exist for this backup.");
                todo.addAll(kids);
            }
            List<Backup> order = new ArrayList<>(chain);
            java.util.Collections.reverse(order); // dependents first
            String ids = String.join(",", order.stream().map(Backup::id).toList());
            Job job = newJob(Operations.DELETE_BACKUP, "backup", b.id(), null, Map.of("backups", ids));
            var now = clock.instant();
            catalog.inTransaction(() -> {
                for (Backup x : order) catalog.update(x.withStatus(Backup.DELETING, null, now));
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            return job;
        }
    }

    /**
     * Imports into the catalog the backups that a Coffer server stored in a repository container
     * and this catalog does not know (after the loss of the host that made them, or to restore
     * them on another one). {@code repository} is a configured repository's name or a location
     * URL that one of them covers.
     */
    public Importer.Result importBackups(String repository, String container) throws IOException {
        Repositories.Target t = repositories.resolve(repository, container, config.defaultContainer());
        Importer.Result found = importer.read(t);
        synchronized (mutex) {
            return importer.insert(found);
        }
    }

    public Requests.RestoreAccepted restore(String backupRef, Requests.Restore r) throws IOException {
        synchronized (mutex) {
            Backup b = backup(backupRef);
            if (!b.status().equals(Backup.AVAILABLE)) throw ServiceException.invalid("Invalid backup: Backup status must be available (backup " + b.id() + " is " + b.status() + ")");
            var now = clock.instant();
            Volume target;
            boolean created = false;
            if (r.volume() != null) {
                if (r.name() != null) throw ServiceException.invalid("give either a volume to restore into or a name for a new volume, not both");
                target = volume(r.volume());
                if (!target.status().equals(Volume.AVAILABLE)) throw ServiceException.invalid("Invalid volume: Volume to be restored to must be available (volume " + target.name() + " is " + target.status() + ")");
                if (target.sizeBytes() < b.volumeSize()) {
                    throw ServiceException.invalid("Invalid volume: volume size " + gib(target.sizeBytes()) + " is too small to restore backup of size " + gib(b.volumeSize()) + ". ("
                            + target.sizeBytes() + " < " + b.volumeSize() + " bytes)");
                }
                if (!target.driver().equals(b.volumeDriver())) {
                    throw ServiceException.invalid("Invalid volume: backup " + b.id() + " is of a " + b.volumeDriver() + " volume and volume " + target.name() + " is a " + target.driver() + " volume");
                }
            } else {
                String name = r.name() == null ? "restore_backup_" + b.id() : Validation.name("volume", r.name());
                if (catalog.volumeNamed(name).isPresent()) throw ServiceException.conflict("a volume named '" + name + "' exists already; choose another name");
                String id = UUID.randomUUID().toString();
                VolumeDriver d = ops.driver(b.volumeDriver());
                Path path = d.create(id, b.volumeSize());
                target = new Volume(id, name, d.name(), b.volumeSize(), path.toString(), Volume.AVAILABLE, null, null,
                        Map.of("src_backup_id", b.id()), null, now, now);
                created = true;
            }
            Volume busy = target.enter(Volume.RESTORING, now);
            Job job = newJob(Operations.RESTORE, "volume", target.id(), target.id(), Map.of("backup", b.id(), "new_volume", Boolean.toString(created)));
            boolean isNew = created;
            catalog.inTransaction(() -> {
                if (isNew) catalog.insert(busy);
                else catalog.update(busy);
                catalog.update(b.withStatus(Backup.RESTORING, null, now));
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            return new Requests.RestoreAccepted(b.id(), target.id(), target.name(), job.id());
        }
    }

    // ---- jobs ----

    public Job job(String id) {
        return catalog.job(id).orElseThrow(() -> ServiceException.notFound("Job " + Validation.printable(id) + " could not be found."));
    }

    public List<Job> jobs() {
        return catalog.jobs();
    }

    /** The latest job that works on a resource (to report its progress), if any. */
    public Optional<Job> latestJobOf(String resourceId) {
        List<Job> js = catalog.jobsFor(resourceId);
        return js.isEmpty() ? Optional.empty() : Optional.of(js.get(js.size() - 1));
    }

    /** A job as it stands now: live counters when it is running here. */
    public Job current(Job j) {
        return jobs.live(j.id()).map(s -> j.progress(s[0], s[1], s[2], s[3], clock.instant())).orElse(j);
    }

    public Job cancel(String id) {
        Job j = job(id);
        if (j.finished()) throw ServiceException.conflict("job " + id + " has already finished (" + j.status() + ")");
        if (!jobs.cancel(id)) throw ServiceException.conflict("job " + id + " is not running in this server");
        return j;
    }

    private Job newJob(String kind, String type, String resourceId, String volumeId, Map<String, String> params) {
        var now = clock.instant();
        return new Job(UUID.randomUUID().toString(), kind, type, resourceId, volumeId, Job.QUEUED, params, 0, 0, 0, 0, null, now, null, null, now);
    }

    private static <T> Optional<T> unique(String what, String name, List<T> found) {
        if (found.size() > 1) throw ServiceException.conflict(found.size() + " " + what + "s are named '" + Validation.printable(name) + "'; use the id");
        return found.stream().findFirst();
    }

    private static long gib(long bytes) {
        return (bytes + GIB - 1) / GIB;
    }

    @Override
    public void close() {
        jobs.close();
        catalog.close();
    }
}
