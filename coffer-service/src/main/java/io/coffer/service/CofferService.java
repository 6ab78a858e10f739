package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.instance.DbEngine;
import io.coffer.instance.LocalRuntime;
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
 * <p>Requests that change state run under the catalog's write lock, so two requests cannot both
 * see a volume {@code available} and both start a job on it, on this node or on any other that
 * shares the catalog.
 *
 * <p>Many nodes: a volume belongs to the node that made it; the jobs that read or write its data
 * are queued for that node, whichever node took the request, and a request that would touch its
 * files at once (delete, extend) is refused elsewhere with the node to ask. A volume made from a
 * snapshot of another node's volume is restored from the snapshot's off-host backup.
 */
public final class CofferService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CofferService.class);
    private static final long GIB = 1L << 30;
    /** A volume published through CSI is attached to {@code csi-NODE}. */
    public static final String CSI_ATTACHMENT_PREFIX = "csi-";

    private final ServiceConfig config;
    private final Catalog catalog;
    private final Clock clock;
    private final Repositories repositories;
    private final Operations ops;
    private final JobRunner jobs;
    private final Importer importer;
    private final DataDirLock lock;
    private final VolumeGuard guard;
    private final VolumeChanges volumeChanges;
    private final Events events;
    private final Schedules schedules;
    private final Sweeper sweeper;
    private final Webhooks webhooks;
    private final UsageHistory usage;
    private final java.util.concurrent.ScheduledExecutorService timers = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "coffer-timers");
        t.setDaemon(true);
        return t;
    });

    private CofferService(ServiceConfig config, Catalog catalog, Clock clock, DataDirLock lock) {
        this.lock = lock;
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
        this.repositories = new Repositories(config.repositories(), config.repositorySettings());
        this.ops = new Operations(config, catalog, repositories, clock);
        this.events = new Events(catalog, clock, config.node());
        this.jobs = new JobRunner(catalog, clock, config.node(), config.workers(), ops.handlers(), events::jobEnded);
        this.importer = new Importer(catalog, repositories, clock);
        this.guard = new VolumeGuard(catalog);
        this.volumeChanges = new VolumeChanges(catalog, ops, guard, clock);
        this.schedules = new Schedules(this, catalog, clock, config);
        this.sweeper = new Sweeper(this, schedules, catalog, clock, config.node());
        var h = config.housekeeping();
        this.webhooks = h.webhooks().isEmpty() ? null : new Webhooks(h.webhooks(), h.notifyEvents());
        if (webhooks != null) events.listen(webhooks);
        this.usage = new UsageHistory(catalog, clock);
        events.listen(e -> {
            Object kind = e.fields().get("kind");
            if (e.type().startsWith("job.") && (Job.Kind.BACKUP.id.equals(kind) || Job.Kind.DELETE_BACKUP.id.equals(kind))) {
                guarded("usage history", usage::record);
            }
        });
    }

    /** Schedules' runs (checked every second) and retention (every {@code retention.interval}). */
    private void startTimers() {
        timers.execute(() -> guarded("usage history", usage::record));
        timers.scheduleWithFixedDelay(() -> guarded("schedules", schedules::tick), 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        long every = config.housekeeping().retentionInterval().toMillis();
        timers.scheduleWithFixedDelay(() -> guarded("retention", sweeper::sweep), every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) { // the next round tries again; a timer must not die
            LOG.warn("{}: {}", what, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Events (job ends, expiries, verifications, schedule runs, disk guard refusals) for listeners such as metrics. */
    public Events events() {
        return events;
    }

    public Schedules schedules() {
        return schedules;
    }

    /** How each repository's usage grew (the dashboard's charts). */
    public UsageHistory usage() {
        return usage;
    }

    /** Runs retention now (what the timer does every {@code retention.interval}); the backups whose deletion started. */
    public List<String> sweep() {
        return sweeper.sweep();
    }

    boolean repositoryExists(String name) {
        return repositories.exists(name);
    }

    /** Opens the catalog, reconciles what a crash interrupted, and starts the job workers. */
    public static CofferService start(ServiceConfig config, Clock clock) throws IOException {
        Files.createDirectories(config.dataDir());
        DataDirLock lock = DataDirLock.acquire(config.dataDir()); // before anything reconciles
        try {
            Catalog catalog = Catalog.open(config.catalogUrl(), config.catalogUser(), config.catalogPassword());
            try {
                int adopted = catalog.adoptUnowned(config.node());
                if (adopted > 0) LOG.info("node {} adopted {} volumes and jobs of the catalog that named no node", config.node(), adopted);
                new Reconciler(config, catalog, clock).run();
                CofferService svc = new CofferService(config, catalog, clock, lock);
                svc.startTimers();
                return svc;
            } catch (IOException | RuntimeException e) {
                catalog.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
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
        try (Catalog.Held held = catalog.writeLock()) {
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
                if (src.node() != null && !src.node().equals(config.node())) {
                    // the snapshot's files are on the other node: its off-host backup is everywhere
                    Backup copy = catalog.backupsOf(src.id()).stream()
                            .filter(b -> s.id().equals(b.snapshotId()) && b.status() == Backup.Status.AVAILABLE)
                            .max(Comparator.comparing(Backup::createdAt))
                            .orElseThrow(() -> ServiceException.conflict("snapshot " + s.id() + " is on node " + src.node() + " and has no available backup, so node "
                                    + config.node() + " cannot make a volume from it: back the snapshot up (a VolumeSnapshotClass with backupRepository), or ask node " + src.node()));
                    var restoreLabels = new java.util.HashMap<>(labels);
                    restoreLabels.put("src_snapshot_id", s.id());
                    Requests.RestoreAccepted ra = restore(copy, new Requests.Restore(null, name), restoreLabels, Map.of(), () -> {}, size);
                    LOG.info("volume {} ({}) is made from snapshot {} of node {} through its backup {}", name, ra.volumeId(), s.id(), src.node(), copy.id());
                    return catalog.volume(ra.volumeId()).orElseThrow();
                }
                VolumeDriver d = ops.driver(src.driver());
                Volume v = new Volume(id, name, src.driver(), size, d.pathOf(id).toString(), Volume.Status.CREATING, null, null, labels, null, now, now, config.node());
                Job job = newJob(Job.Kind.VOLUME_FROM_SNAPSHOT, "volume", id, id, Map.of("snapshot", s.id()), config.node());
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
            Volume v = new Volume(id, name, driver.name(), size, path.toString(), Volume.Status.AVAILABLE, null, null, labels, null, now, now, config.node());
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

    /** Deletes a volume; one with snapshots only with {@code cascade}, which deletes them first. */
    public void deleteVolume(String ref, boolean cascade) throws IOException {
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(ref);
            guard.require(v, VolumeGuard.Action.DELETE);
            requireLocal(v, "delete");
            List<Snapshot> snaps = catalog.snapshotsOf(v.id());
            if (!snaps.isEmpty() && !cascade) {
                throw ServiceException.conflict("volume " + v.name() + " still has " + snaps.size() + " dependent snapshots; delete them first, or delete them with it (--cascade)");
            }
            for (Snapshot s : snaps) deleteSnapshot(s.id());
            ops.driver(v.driver()).delete(v.id());
            catalog.deleteVolume(v.id());
            LOG.info("volume {} ({}) deleted", v.name(), v.id());
        }
    }

    /** Renames a volume or replaces its labels (null: unchanged). */
    public Volume updateVolume(String ref, String name, Map<String, String> labels) {
        try (Catalog.Held held = catalog.writeLock()) {
            return volumeChanges.update(volume(ref), name, labels);
        }
    }

    /** Grows a volume to {@code size} (a size as {@code volume create} takes it). */
    public Volume extendVolume(String ref, String size) throws IOException {
        long bytes = Validation.size(size);
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(ref);
            requireLocal(v, "extend");
            return volumeChanges.extend(v, bytes);
        }
    }

    /** Sets a volume's status by hand: {@code available} or {@code error} (Cinder's reset-state). */
    public Volume resetVolumeStatus(String ref, Volume.Status to) {
        try (Catalog.Held held = catalog.writeLock()) {
            return volumeChanges.resetStatus(volume(ref), to);
        }
    }

    public Volume attach(String ref, String instance) {
        Validation.name("instance", instance);
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(ref);
            guard.require(v, VolumeGuard.Action.ATTACH);
            Volume a = v.withAttachment(instance, clock.instant());
            catalog.update(a);
            return a;
        }
    }

    public Volume detach(String ref) {
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(ref);
            guard.require(v, VolumeGuard.Action.DETACH);
            var instance = v.attachedTo() == null ? java.util.Optional.<Instance>empty() : catalog.instanceNamed(v.attachedTo());
            if (instance.isPresent() && instance.get().volumeId().equals(v.id())) {
                // detached, it could be restored over while the database runs on it
                throw ServiceException.conflict("volume " + v.name() + " holds instance " + instance.get().name()
                        + "; stop using it there and run `coffer instance unregister " + instance.get().name() + "` first (that detaches it)");
            }
            Volume a = v.withAttachment(null, clock.instant());
            catalog.update(a);
            return a;
        }
    }

    // ---- snapshots ----

    public Snapshot createSnapshot(Requests.CreateSnapshot r) {
        var labels = Validation.labels("labels", r.labels());
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(r.volume());
            guard.require(v, VolumeGuard.Action.SNAPSHOT);
            Map<String, String> params = Map.of();
            if (r.consistency() != null && !r.consistency().equals("crash")) {
                if (!r.consistency().equals("application")) {
                    throw ServiceException.invalid("consistency '" + Validation.printable(r.consistency()) + "' is not known: use crash or application");
                }
                if (!v.driver().equals("dir")) throw ServiceException.invalid("an application-consistent snapshot is of a dir volume; volume " + v.name() + " is an " + v.driver() + " volume");
                Instance holder = catalog.instances().stream().filter(i -> i.volumeId().equals(v.id())).findFirst()
                        .orElseThrow(() -> ServiceException.invalid("volume " + v.name() + " holds no registered database instance to quiesce; register it"
                                + " (coffer instance register) or take a crash-consistent snapshot"));
                params = Map.of("consistency", "application", "instance", holder.id());
            }
            String id = UUID.randomUUID().toString();
            String name = r.name() == null ? "snapshot-" + id.substring(0, 8) : Validation.name("snapshot", r.name());
            var now = clock.instant();
            Snapshot s = new Snapshot(id, name, v.id(), Snapshot.Status.CREATING, "pending", null, "crash", v.sizeBytes(), null, null, labels, null, now, now);
            Job job = newJob(Job.Kind.SNAPSHOT, "snapshot", id, v.id(), params, v.node());
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
        try (Catalog.Held held = catalog.writeLock()) {
            Snapshot s = snapshot(ref);
            if (s.status() == Snapshot.Status.CREATING) throw ServiceException.conflict("snapshot " + s.id() + " is still being created; wait for it");
            boolean used = catalog.backupsOf(s.volumeId()).stream()
                    .anyMatch(b -> s.id().equals(b.snapshotId()) && b.status() == Backup.Status.CREATING);
            if (used) throw ServiceException.conflict("snapshot " + s.id() + " is being backed up; wait for the backup to finish");
            boolean source = catalog.jobs().stream().anyMatch(j -> !j.finished() && s.id().equals(j.params().get("snapshot")));
            if (source) throw ServiceException.conflict("snapshot " + s.id() + " is the source of a volume being created; wait for it");
            catalog.volume(s.volumeId()).ifPresent(v -> requireLocal(v, "delete the snapshots of"));
            ops.deleteSnapshotData(s);
            catalog.deleteSnapshot(s.id());
        }
    }

    // ---- backups ----

    public Backup createBackup(Requests.CreateBackup r) {
        return createBackup(r, null, Map.of(), Map.of());
    }

    /** A backup of a volume that also carries Coffer's own {@code labels} (a schedule's, which users may not set). */
    Backup createBackup(Requests.CreateBackup r, Map<String, String> labels) {
        return createBackup(r, null, labels, Map.of());
    }

    /** A backup, of an instance's volume when {@code instance} is given; {@code labels} are Coffer's own metadata, {@code params} go to the job. */
    private Backup createBackup(Requests.CreateBackup r, Instance instance, Map<String, String> labels, Map<String, String> params) {
        String repository = r.repository() == null ? config.defaultRepository() : r.repository();
        if (!repositories.exists(repository)) throw ServiceException.invalid("repository '" + Validation.printable(repository) + "' is not configured");
        String container = Validation.container(r.container() == null ? config.defaultContainer() : r.container());
        String name = r.name() == null ? null : Validation.name("backup", r.name());
        String description = Validation.text("description", r.description(), 1024);
        var metadata = Validation.labels("metadata", r.metadata());
        for (String k : metadata.keySet()) {
            if (k.startsWith(BackupTags.PREFIX)) throw ServiceException.invalid("metadata key '" + Validation.printable(k) + "' is reserved: keys starting with '" + BackupTags.PREFIX + "' are Coffer's own");
        }
        if (r.expiresAt() != null && !r.expiresAt().isAfter(clock.instant())) {
            throw ServiceException.invalid("expires_at " + r.expiresAt() + " is not in the future; give a later time, or none to keep the backup until it is deleted");
        }
        if (!labels.isEmpty()) {
            var all = new java.util.HashMap<>(metadata);
            all.putAll(labels);
            metadata = Map.copyOf(all);
        }
        try (Catalog.Held held = catalog.writeLock()) {
            Volume v = volume(r.volume());
            requireFreeSpace(repository, container, v);
            Snapshot snap = null;
            if (r.snapshot() != null) {
                snap = snapshot(r.snapshot());
                if (!snap.volumeId().equals(v.id())) throw ServiceException.invalid("Invalid volume: Volume " + v.id() + " does not match with snapshot.volume_id " + snap.volumeId() + ".");
                if (!snap.readyToUse()) throw ServiceException.invalid("Invalid snapshot: Snapshot to be backed up must be available, but the current status is \"" + snap.status() + "\".");
            }
            guard.require(v, VolumeGuard.Action.BACKUP);
            if (snap == null) guard.requireForceIfAttached(v, r.force());
            String parent = null;
            if (r.incremental()) {
                parent = catalog.backupsOf(v.id()).stream()
                        .filter(b -> b.status() == Backup.Status.AVAILABLE && b.repository().equals(repository) && b.container().equals(container))
                        .max(Comparator.comparing(Backup::dataTimestamp).thenComparing(Backup::createdAt))
                        .map(Backup::id)
                        .orElseThrow(() -> ServiceException.invalid("Invalid backup: No backups available to do an incremental backup."));
            }
            String id = UUID.randomUUID().toString();
            var now = clock.instant();
            Backup b = new Backup(id, name, description, v.id(), v.name(), v.sizeBytes(), v.driver(), snap == null ? null : snap.id(),
                    repository, container, Backup.Status.CREATING, null, r.incremental(), parent, null, 0, 0, 0, 0, null, null, metadata, instance == null ? null : instance.id(), null, now, now, r.expiresAt());
            Job job = newJob(Job.Kind.BACKUP, "backup", id, v.id(), params, v.node());
            Volume busy = v.enter(Volume.Status.BACKING_UP, now);
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

    /**
     * Renames a backup, or changes its description or its metadata (null: unchanged). The
     * repository keeps the name it was made with, which an import on another host takes.
     */
    public Backup updateBackup(String ref, String name, String description, Map<String, String> metadata) {
        String n = name == null ? null : Validation.name("backup", name);
        String d = Validation.text("description", description, 1024);
        var m = metadata == null ? null : Validation.labels("metadata", metadata);
        if (m != null) {
            for (String k : m.keySet()) {
                if (k.startsWith(BackupTags.PREFIX)) throw ServiceException.invalid("metadata key '" + Validation.printable(k) + "' is reserved: keys starting with '" + BackupTags.PREFIX + "' are Coffer's own");
            }
        }
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = backup(ref);
            Backup u = b.withDescription(name == null ? b.name() : n, description == null ? b.description() : d, m == null ? b.metadata() : m, clock.instant());
            catalog.update(u);
            return u;
        }
    }

    /**
     * Sets a backup's status by hand (Cinder's reset-status): to {@code error}, or to
     * {@code available} only when its manifest is in its repository, so that no backup is
     * called available that cannot be restored. Refused while a job works on it (cancel that).
     */
    public Backup resetBackupStatus(String ref, Backup.Status to) throws IOException {
        if (to != Backup.Status.AVAILABLE && to != Backup.Status.ERROR) {
            throw ServiceException.invalid("Backup status: " + to + " is invalid, valid statuses are: ['available', 'error'].");
        }
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = backup(ref);
            // a restore's job is the volume's; the backup is in its parameters
            var job = catalog.jobs().stream().filter(j -> !j.finished() && (b.id().equals(j.resourceId()) || b.id().equals(j.params().get("backup")))).findFirst();
            if (job.isPresent()) {
                throw ServiceException.conflict("backup " + b.id() + " is being worked on by job " + job.get().id() + " (" + job.get().kind()
                        + "); cancel it first (`coffer job cancel " + job.get().id() + "`)");
            }
            if (to == Backup.Status.AVAILABLE && b.status() != Backup.Status.AVAILABLE) {
                if (b.manifestId() == null || !repositories.hasManifest(b.repository(), b.container(), b.manifestId())) {
                    throw ServiceException.conflict("backup " + b.id() + " cannot be called available: its manifest is not in repository "
                            + b.repository() + " (container " + b.container() + "); it cannot be restored. Delete it instead");
                }
            }
            Backup u = b.withStatus(to, to == Backup.Status.ERROR ? "status reset to error by request" : null, clock.instant());
            catalog.update(u);
            return u;
        }
    }

    public boolean hasDependents(String backupId) {
        return !catalog.childrenOf(backupId).isEmpty();
    }

    /**
     * Deletes a backup. With dependents (incrementals built on it) this is refused, as in Cinder,
     * unless {@code cascade}: then the whole chain below it goes too. Returns the deletion job.
     */
    public Job deleteBackup(String ref, boolean cascade) {
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = backup(ref);
            List<Backup> chain = new ArrayList<>();
            Deque<Backup> todo = new ArrayDeque<>(List.of(b));
            while (!todo.isEmpty()) {
                Backup x = todo.pop();
                if (x.status() != Backup.Status.AVAILABLE && x.status() != Backup.Status.ERROR) {
                    throw ServiceException.conflict("backup " + x.id() + " is " + x.status() + " and cannot be deleted until that job finishes; wait for it (`coffer job list`)");
                }
                chain.add(x);
                List<Backup> kids = catalog.childrenOf(x.id());
                if (!kids.isEmpty() && !cascade) {
                    throw ServiceException.conflict("backup " + x.id() + " has " + kids.size() + " incremental backups built on it; delete them first, or delete them with it (--cascade)");
                }
                todo.addAll(kids);
            }
            List<Backup> order = new ArrayList<>(chain);
            java.util.Collections.reverse(order); // dependents first
            String ids = String.join(",", order.stream().map(Backup::id).toList());
            Job job = newJob(Job.Kind.DELETE_BACKUP, "backup", b.id(), null, Map.of("backups", ids), config.node());
            var now = clock.instant();
            catalog.inTransaction(() -> {
                for (Backup x : order) catalog.update(x.withStatus(Backup.Status.DELETING, null, now));
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            return job;
        }
    }

    /**
     * Deletes a backup whose time has come ({@code expires_at} passed, or a schedule's keep policy
     * let it go), alone: the incrementals built on it stay, restorable on their own, their
     * {@code parent_id} kept as history. Empty when it is not there to delete (gone, or busy: the
     * next sweep tries again).
     */
    public Optional<Job> expireBackup(String id) {
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = catalog.backup(id).orElse(null);
            if (b == null || b.status() != Backup.Status.AVAILABLE && b.status() != Backup.Status.ERROR) return Optional.empty();
            Job job = newJob(Job.Kind.DELETE_BACKUP, "backup", b.id(), null, Map.of("backups", b.id(), "reason", "expired"), config.node());
            var now = clock.instant();
            catalog.inTransaction(() -> {
                catalog.update(b.withStatus(Backup.Status.DELETING, null, now));
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            LOG.info("backup {} ({}) expired at {}; deleting it", b.id(), b.name(), b.expiresAt());
            return Optional.of(job);
        }
    }

    /** Sets or clears when a backup expires. */
    public Backup setExpiry(String ref, java.time.Instant at) {
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = backup(ref);
            if (at != null && !at.isAfter(clock.instant())) throw ServiceException.invalid("expires_at " + at + " is not in the future");
            Backup changed = b.expiring(at, clock.instant());
            catalog.update(changed);
            return changed;
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
        try (Catalog.Held held = catalog.writeLock()) {
            return importer.insert(found);
        }
    }

    /**
     * What another Coffer server needs to import this backup (Cinder's export_record): its id,
     * its manifest, and its repository by name, container and location URL.
     */
    public Map<String, String> exportRecord(String ref) {
        Backup b = backup(ref);
        if (b.status() != Backup.Status.AVAILABLE) throw ServiceException.invalid("Invalid backup: Backup status must be available and not " + b.status() + ".");
        return Map.of("backup_id", b.id(), "manifest_id", b.manifestId(), "repository", b.repository(), "container", b.container(),
                "location", repositories.location(b.repository(), b.container()));
    }

    /**
     * Imports the one backup an exported record names (Cinder's import_record), from the
     * repository its location URL points to (or, failing that, the one of its name): checked as
     * {@link #importBackups} checks, available once imported.
     */
    public Backup importRecord(Map<String, String> record) throws IOException {
        for (String k : List.of("backup_id", "manifest_id", "repository", "container")) {
            if (record.get(k) == null || record.get(k).isBlank()) throw ServiceException.invalid("the backup record lacks its " + k);
        }
        String id = record.get("backup_id");
        if (catalog.backup(id).isPresent()) throw ServiceException.conflict("backup " + id + " is in this catalog already");
        Repositories.Target t;
        try {
            t = repositories.resolve(record.getOrDefault("location", record.get("repository")), null, record.get("container"));
        } catch (ServiceException e) {
            if (!repositories.exists(record.get("repository"))) {
                throw ServiceException.invalid("the record's repository (" + record.get("repository") + " at " + record.get("location")
                        + ") is not configured here: add it (repository.NAME=" + record.get("location") + " without the container) and import again");
            }
            t = new Repositories.Target(record.get("repository"), Validation.container(record.get("container")));
        }
        Importer.Result found = importer.read(t, Validation.text("manifest_id", record.get("manifest_id"), 128));
        Importer.Result done;
        try (Catalog.Held held = catalog.writeLock()) {
            done = importer.insert(found);
        }
        for (Backup b : done.imported()) if (b.id().equals(id)) return b;
        String why = done.skipped().isEmpty() ? "its manifest " + record.get("manifest_id") + " is not in " + t.repository() + " (container " + t.container() + ")"
                : done.skipped().get(0).reason();
        throw ServiceException.invalid("backup " + id + " cannot be imported: " + why);
    }

    public Requests.RestoreAccepted restore(String backupRef, Requests.Restore r) throws IOException {
        return restore(backupRef, r, Map.of());
    }

    /** A restore; a volume it makes gets {@code newVolumeLabels}. */
    public Requests.RestoreAccepted restore(String backupRef, Requests.Restore r, Map<String, String> newVolumeLabels) throws IOException {
        try (Catalog.Held held = catalog.writeLock()) {
            return restore(backup(backupRef), r, newVolumeLabels, Map.of(), () -> {}, 0);
        }
    }

    /** A restore; a new volume it makes is {@code newSize} bytes when that is larger than the backup's volume. */
    private Requests.RestoreAccepted restore(Backup b, Requests.Restore r, Map<String, String> newVolumeLabels, Map<String, String> params, Runnable alsoInTransaction,
            long newSize) throws IOException {
        try (Catalog.Held held = catalog.writeLock()) {
            if (b.status() != Backup.Status.AVAILABLE) throw ServiceException.invalid("Invalid backup: Backup status must be available (backup " + b.id() + " is " + b.status() + ")");
            var now = clock.instant();
            Volume target;
            boolean created = false;
            if (r.volume() != null) {
                if (r.name() != null) throw ServiceException.invalid("give either a volume to restore into or a name for a new volume, not both");
                target = volume(r.volume());
                guard.require(target, VolumeGuard.Action.RESTORE_INTO);
                VolumeGuard.requireUnused(target);
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
                long size = Math.max(newSize, b.volumeSize());
                Path path = d.create(id, size);
                var labels = new java.util.HashMap<>(newVolumeLabels);
                labels.put("src_backup_id", b.id());
                target = new Volume(id, name, d.name(), size, path.toString(), Volume.Status.AVAILABLE, null, null, labels, null, now, now, config.node());
                created = true;
            }
            Volume busy = target.enter(Volume.Status.RESTORING, now);
            var jobParams = new java.util.HashMap<>(params);
            jobParams.put("backup", b.id());
            jobParams.put("new_volume", Boolean.toString(created));
            Job job = newJob(Job.Kind.RESTORE, "volume", target.id(), target.id(), jobParams, target.node());
            boolean isNew = created;
            catalog.inTransaction(() -> {
                if (isNew) catalog.insert(busy);
                else catalog.update(busy);
                alsoInTransaction.run();
                catalog.update(b.withStatus(Backup.Status.RESTORING, null, now));
                catalog.insert(job);
                return null;
            });
            jobs.submit(job);
            return new Requests.RestoreAccepted(b.id(), target.id(), target.name(), job.id());
        }
    }

    // ---- instances ----

    /** Registers a database instance whose data directory is on a volume; the volume becomes in-use by it. */
    public Instance registerInstance(Requests.RegisterInstance r) {
        String name = Validation.name("instance", r.name());
        DbEngine engine;
        try {
            engine = DbEngine.parse(r.engine());
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalid(e.getMessage());
        }
        String sub = Instances.subdir(r.dataSubdir());
        if (r.host() == null && r.socketDir() == null) throw ServiceException.invalid("say how to reach instance " + name + ": a host (and port) or a socket directory");
        if (r.host() != null && (r.host().isBlank() || r.host().length() > 255)) throw ServiceException.invalid("host '" + Validation.printable(r.host()) + "' is not a host name");
        if (r.port() != null && (r.port() < 1 || r.port() > 65535)) throw ServiceException.invalid("port " + r.port() + " is not between 1 and 65535");
        if (r.socketDir() != null && !r.socketDir().startsWith("/")) throw ServiceException.invalid("socket directory '" + Validation.printable(r.socketDir()) + "' must be an absolute path");
        String passwordRef = Secrets.reference("password", r.passwordRef());
        Secrets.resolve("password of instance " + name, passwordRef); // readable now, or a clear error now
        var labels = Validation.labels("labels", r.labels());
        String user = r.user() != null ? Validation.text("user", r.user(), 255) : engine.isPostgres() ? "postgres" : "root";
        try (Catalog.Held held = catalog.writeLock()) {
            if (catalog.instanceNamed(name).isPresent()) throw ServiceException.conflict("an instance named '" + name + "' exists already; choose another name");
            Volume v = volume(r.volume());
            if (!v.driver().equals("dir")) throw ServiceException.invalid("volume " + v.name() + " is a " + v.driver() + " volume; instances live on dir volumes");
            // a volume a pod has published through CSI holds that pod's database: it may be registered
            boolean published = v.status() == Volume.Status.IN_USE && v.attachedTo() != null && v.attachedTo().startsWith(CSI_ATTACHMENT_PREFIX);
            if (!published) guard.require(v, VolumeGuard.Action.REGISTER_INSTANCE);
            Path dataDir = sub.isEmpty() ? Path.of(v.path()) : Path.of(v.path()).resolve(sub);
            if (!Files.isDirectory(dataDir)) throw ServiceException.invalid("the data directory " + dataDir + " does not exist on volume " + v.name() + "; check --data-subdir");
            var now = clock.instant();
            Instance i = new Instance(UUID.randomUUID().toString(), name, engine.id(), v.id(), sub, r.host(),
                    r.port() == null ? engine.defaultPort() : r.port(), r.socketDir(), user, passwordRef, Instance.Status.REGISTERED, false, null, labels, null, now, now);
            catalog.inTransaction(() -> {
                catalog.insert(i);
                catalog.update(v.withAttachment(name, now));
                return null;
            });
            LOG.info("instance {} ({} on volume {}) registered", name, engine.id(), v.name());
            return i;
        }
    }

    public List<Instance> instances() {
        return catalog.instances();
    }

    public Instance instance(String ref) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no instance given");
        return catalog.instanceNamed(ref).or(() -> catalog.instance(ref))
                .orElseThrow(() -> ServiceException.notFound("Instance " + Validation.printable(ref) + " could not be found."));
    }

    /**
     * Forgets an instance: a server Coffer started for it is stopped, its volume is detached
     * (and kept, with the backups).
     */
    public void unregisterInstance(String ref) throws IOException {
        try (Catalog.Held held = catalog.writeLock()) {
            Instance i = instance(ref);
            Volume v = catalog.volume(i.volumeId()).orElse(null);
            if (v != null && v.busy()) throw ServiceException.conflict("volume " + v.name() + " of instance " + i.name() + " is " + v.status() + "; wait for its job to finish");
            if (i.status() == Instance.Status.CREATING) throw ServiceException.conflict("instance " + i.name() + " is being restored; wait for it");
            if (i.managed() && i.pid() != null) LocalRuntime.stop(DbEngine.parse(i.engine()), i.pid(), java.time.Duration.ofSeconds(60));
            var now = clock.instant();
            catalog.inTransaction(() -> {
                catalog.deleteInstance(i.id());
                if (v != null && i.name().equals(v.attachedTo())) catalog.update(v.withAttachment(null, now));
                return null;
            });
            LOG.info("instance {} unregistered", i.name());
        }
    }

    /** Backs up an instance's volume, application-consistent unless the caller asks for crash consistency. */
    public Backup backupInstance(String ref, Requests.InstanceBackup r) {
        return backupInstance(ref, r, Map.of());
    }

    /** An instance backup that also carries {@code extraLabels} (a schedule's). */
    Backup backupInstance(String ref, Requests.InstanceBackup r, Map<String, String> extraLabels) {
        Instance i = instance(ref);
        if (i.status() != Instance.Status.REGISTERED && i.status() != Instance.Status.RUNNING) {
            throw ServiceException.conflict("instance " + i.name() + " is " + i.status() + "; only a registered or running instance can be backed up");
        }
        String consistency = r.consistency() == null ? "application" : r.consistency();
        if (!consistency.equals("application") && !consistency.equals("crash")) {
            throw ServiceException.invalid("consistency '" + Validation.printable(consistency) + "' is not known: use application or crash");
        }
        if (r.retentionDays() != null && (r.retentionDays() < 1 || r.retentionDays() > 36500)) {
            throw ServiceException.invalid("retentionDays must be between 1 and 36500, not " + r.retentionDays());
        }
        Map<String, String> labels = new java.util.HashMap<>(Instances.backupLabels(i, r.incremental(), r.createdBy()));
        if (r.retentionDays() != null) labels.put(Instances.RETENTION_DAYS, Integer.toString(r.retentionDays()));
        labels.putAll(extraLabels);
        String name = r.backupName() != null ? r.backupName() : i.name() + "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC).format(clock.instant());
        Requests.CreateBackup cb = new Requests.CreateBackup(i.volumeId(), null, r.repository(), r.container(), name, null, r.incremental(), true, Map.of(),
                r.retentionDays() == null ? null : clock.instant().plus(java.time.Duration.ofDays(r.retentionDays())));
        return createBackup(cb, i, labels, Map.of("consistency", consistency));
    }

    /** The backups made of an instance, oldest first. */
    public List<Backup> instanceBackups(String ref) {
        return catalog.backupsOfInstance(instance(ref).id());
    }

    /** One backup of an instance; 404 when it is not one of the instance's. */
    public Backup instanceBackup(String ref, String backupRef) {
        Instance i = instance(ref);
        Backup b = backup(backupRef);
        if (!i.id().equals(b.instanceId())) throw ServiceException.notFound("Backup " + Validation.printable(backupRef) + " is not a backup of instance " + i.name() + ".");
        return b;
    }

    /**
     * Restores one of an instance's backups into a new volume and starts a new instance on it
     * (a server Coffer runs on 127.0.0.1, on a free port).
     */
    public Requests.InstanceRestoreAccepted restoreInstance(String ref, Requests.InstanceRestore r) throws IOException {
        if (r.backup() == null) throw ServiceException.invalid("say which backup to restore (backup)");
        Instance src = instance(ref);
        Backup b = instanceBackup(ref, r.backup());
        DbEngine engine = DbEngine.parse(src.engine());
        Instances.checkInstalled(engine);
        String name = r.as() == null ? src.name() + "-restore-" + b.id().substring(0, 8) : Validation.name("instance", r.as());
        try (Catalog.Held held = catalog.writeLock()) {
            if (catalog.instanceNamed(name).isPresent()) throw ServiceException.conflict("an instance named '" + name + "' exists already; choose another name (--as)");
            String volumeName = name + "-data";
            if (catalog.volumeNamed(volumeName).isPresent()) throw ServiceException.conflict("a volume named '" + volumeName + "' exists already; choose another instance name (--as)");
            String instanceId = UUID.randomUUID().toString();
            var now = clock.instant();
            Instance fresh = new Instance(instanceId, name, src.engine(), "pending", src.dataSubdir(), null, null, null, src.user(), src.passwordRef(),
                    Instance.Status.CREATING, true, null, Instances.restoreLabels(b, src), null, now, now);
            Requests.RestoreAccepted ra = restore(b, new Requests.Restore(null, volumeName), Instances.restoreLabels(b, src), Map.of("start_instance", instanceId),
                    () -> catalog.insert(new Instance(fresh.id(), fresh.name(), fresh.engine(), catalog.volumeNamed(volumeName).orElseThrow().id(),
                            fresh.dataSubdir(), null, null, null, fresh.user(), fresh.passwordRef(), fresh.status(), true, null, fresh.labels(), null, now, now)), 0);
            return new Requests.InstanceRestoreAccepted(instanceId, name, b.id(), ra.volumeId(), ra.volumeName(), ra.jobId());
        }
    }

    /**
     * Verifies a backup of a database: restores it to a scratch directory, starts the engine,
     * checks it, records the result on the backup, and removes the scratch copy.
     */
    public Job verifyBackup(String ref, Requests.Verify r) {
        Validation.text("query", r.query(), 4096);
        try (Catalog.Held held = catalog.writeLock()) {
            Backup b = backup(ref);
            if (b.status() != Backup.Status.AVAILABLE) throw ServiceException.invalid("Invalid backup: Backup status must be available (backup " + b.id() + " is " + b.status() + ")");
            String engine = b.facts().get(Instances.ENGINE);
            if (engine == null) throw ServiceException.invalid("backup " + b.id() + " is not a backup of a database instance; verify starts the database it holds, so it needs one");
            Instances.checkInstalled(DbEngine.parse(engine));
            boolean running = catalog.jobsFor(b.id()).stream().anyMatch(j -> !j.finished() && j.kind() == Job.Kind.VERIFY);
            if (running) throw ServiceException.conflict("backup " + b.id() + " is being verified already; wait for that job");
            Map<String, String> params = new java.util.HashMap<>();
            if (r.query() != null) params.put("query", r.query());
            if (r.database() != null) params.put("database", Validation.text("database", r.database(), 255));
            Job job = newJob(Job.Kind.VERIFY, "backup", b.id(), null, params, config.node());
            catalog.insert(job);
            jobs.submit(job);
            return job;
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
        if (!jobs.cancel(id)) {
            Job now = job(id);
            if (now.finished()) throw ServiceException.conflict("job " + id + " has already finished (" + now.status() + ")");
            throw ServiceException.conflict("job " + id + " runs on node " + now.node() + " and this is node " + config.node() + ": cancel it through node " + now.node() + "'s server");
        }
        return job(id);
    }

    private Job newJob(Job.Kind kind, String type, String resourceId, String volumeId, Map<String, String> params, String node) {
        var now = clock.instant();
        return new Job(UUID.randomUUID().toString(), kind, type, resourceId, volumeId, Job.Status.QUEUED, params, 0, 0, 0, 0, null, now, null, null, now, node);
    }

    /**
     * The disk guard: a backup needs {@code disk.min_free} (default 1 GiB, or 5% of a disk under
     * 20 GiB) free on the data directory (staging,
     * clones, the metadata cache) and, for a repository on a local disk, on that disk too;
     * refused up front (507) rather than failing halfway.
     */
    private void requireFreeSpace(String repository, String container, Volume v) {
        if (config.housekeeping().minFreeBytes() == 0) return;
        List<Path> places = new ArrayList<>(List.of(config.dataDir()));
        String location = repositories.location(repository, container);
        if (!location.contains("://") || location.startsWith("file://")) places.add(Path.of(location.replaceFirst("^file://", "")));
        for (Path p : places) {
            Path existing = p;
            while (existing != null && !Files.exists(existing)) existing = existing.getParent();
            if (existing == null) continue;
            long free, floor;
            try {
                var store = Files.getFileStore(existing);
                free = store.getUsableSpace();
                floor = config.housekeeping().floorFor(store.getTotalSpace());
            } catch (IOException e) {
                continue;
            }
            if (free < floor) {
                events.diskLow(p.toString(), free, floor, v.name());
                throw ServiceException.insufficientStorage("backup of volume " + v.name() + " refused: " + (free >> 20) + " MiB free on " + p
                        + ", below the floor of " + (floor >> 20) + " MiB (disk.min_free); free some space (delete or expire backups, prune) or lower the floor");
            }
        }
    }

    /** Refuses to touch the files of a volume another node holds. */
    private void requireLocal(Volume v, String action) {
        if (v.node() != null && !v.node().equals(config.node())) {
            throw ServiceException.conflict("volume " + v.name() + " lives on node " + v.node() + " and this is node " + config.node()
                    + ": " + action + " it through node " + v.node() + "'s server");
        }
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
        timers.shutdownNow();
        if (webhooks != null) webhooks.close();
        jobs.close();
        catalog.close();
        lock.close();
    }
}
