package io.coffer.service;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupProgress;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.instance.ConsistentCopy;
import io.coffer.instance.DbEngine;
import io.coffer.instance.LocalRuntime;
import io.coffer.instance.Verifier;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.prune.Pruner;
import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.Stores;
import io.coffer.store.ObjectNotFoundException;
import io.coffer.repo.RepositoryException;
import io.coffer.volume.Freezer;
import io.coffer.volume.ImageVolumeDriver;
import io.coffer.volume.Reflinks;
import io.coffer.volume.Subvolumes;
import io.coffer.volume.Trees;
import io.coffer.volume.VolumeDriver;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of each job kind. Data is never changed in place: restores and clones go to a
 * staging directory ({@code DATA/staging/JOB}) and are moved into place at the end, so a crash
 * leaves the volume as it was and the staging directory for the reconciler to remove.
 */
final class Operations {
    /**
     * A volume comes back exactly as it was backed up, absolute symlinks included (a database's
     * pg_wal link, say): they are created, never followed.
     */
    static final RestoreOptions VOLUME_RESTORE = RestoreOptions.defaults();
    /** In a backup's staging directory: the database processes stopped for a crash-consistent copy. */
    static final String SIGSTOP_LEDGER = "sigstop.pids";
    /** How long a restored database may take to recover and accept connections. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong("coffer.instance.ready_timeout", 600));
    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final ServiceConfig config;
    private final Catalog catalog;
    private final Repositories repositories;
    private final Clock clock;

    Operations(ServiceConfig config, Catalog catalog, Repositories repositories, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        this.repositories = repositories;
        this.clock = clock;
    }

    Map<Job.Kind, JobRunner.Handler> handlers() {
        return Map.of(
                Job.Kind.BACKUP, new JobRunner.Handler(this::backup, this::backupFailed),
                Job.Kind.RESTORE, new JobRunner.Handler(this::restore, this::restoreFailed, this::restoreCommitted),
                Job.Kind.SNAPSHOT, new JobRunner.Handler(this::snapshot, this::snapshotFailed),
                Job.Kind.DELETE_BACKUP, new JobRunner.Handler(this::deleteBackups, this::deleteFailed),
                Job.Kind.VOLUME_FROM_SNAPSHOT, new JobRunner.Handler(this::volumeFromSnapshot, this::volumeFailed),
                Job.Kind.VERIFY, new JobRunner.Handler(this::verify, this::verifyFailed));
    }

    VolumeDriver driver(String name) {
        return VolumeDriver.named(name, config.volumesDir());
    }

    Path staging(Job job) throws IOException {
        return Files.createDirectories(config.stagingDir().resolve(job.id()));
    }

    // ---- backup ----

    private Runnable backup(Job job, JobContext ctx) throws Exception {
        Backup b = catalog.backup(job.resourceId()).orElseThrow();
        Volume v = catalog.volume(b.volumeId()).orElseThrow();
        Path stage = staging(job);
        try {
            Instant dataTime = clock.instant();
            Path source;
            String consistency;
            Map<String, String> facts = new HashMap<>();
            Instance instance = b.instanceId() == null ? null : catalog.instance(b.instanceId()).orElse(null);
            if (instance != null) facts.putAll(Instances.facts(instance));
            if (instance != null) {
                Path copy = stage.resolve("copy");
                ConsistentCopy.Report rep;
                boolean app = !"crash".equals(job.params().get("consistency"));
                try {
                    rep = app
                            ? ConsistentCopy.make(Instances.endpoint(instance), Path.of(v.path()), instance.dataSubdir(), copy, "coffer_" + b.id().substring(0, 8))
                            : ConsistentCopy.crash(Instances.endpoint(instance), Path.of(v.path()), instance.dataSubdir(), copy, stage.resolve(SIGSTOP_LEDGER));
                } catch (ConsistentCopy.QuiesceException e) {
                    throw new IOException("cannot quiesce instance " + instance.name() + ": " + e.getMessage(), e);
                }
                source = copy;
                consistency = app ? "application" : "crash";
                facts.put("quiesce.method", rep.method());
                facts.put("quiesce.window_ms", Long.toString(rep.windowMs()));
                facts.put("quiesce.write_pause_ms", Long.toString(rep.writePauseMs()));
                rep.facts().forEach((k, x) -> facts.put("quiesce." + k, x));
            } else if (b.snapshotId() != null) {
                Snapshot s = catalog.snapshot(b.snapshotId()).orElseThrow(() -> ServiceException.notFound("snapshot " + b.snapshotId() + " is gone"));
                source = materialize(s, v.driver(), stage, ctx);
                dataTime = s.createdAt();
                consistency = s.consistency();
            } else if (Volume.Status.IN_USE == v.previousStatus() && Reflinks.supported(config.dataDir())) {
                Clone c = cloneVolume(v, stage.resolve("clone"));
                source = c.path();
                consistency = consistency(Volume.Status.IN_USE, c.freezeMs() != null, c.atomic());
            } else {
                source = Path.of(v.path());
                consistency = consistency(v.previousStatus(), false, false);
            }
            Lock lock = repositories.lock(b.repository(), b.container()).readLock();
            lock.lockInterruptibly();
            try (Repository repo = repositories.open(b.repository(), b.container(), true)) {
                String parentManifest = null;
                if (b.parentId() != null) {
                    parentManifest = catalog.backup(b.parentId()).map(Backup::manifestId).orElse(null);
                }
                facts.put(Instances.CONSISTENCY, consistency);
                Map<String, String> tags = BackupTags.of(b, v, consistency, dataTime, facts);
                BackupOptions opts = BackupOptions.defaults().withTags(tags).withParent(parentManifest);
                BackupRunner runner = new BackupRunner(repo, opts);
                BackupProgress p = runner.progress();
                ctx.track(p::bytesDone, p::bytesSeen, p::filesDone, p::filesSeen);
                BackupResult r = runner.run(source);
                var st = r.manifest().stats();
                long duration = java.time.Duration.between(b.createdAt(), clock.instant()).toMillis();
                Instant dt = dataTime;
                facts.put(Backup.NEW_RAW_BYTES, Long.toString(st.newRawBytes()));
                Backup done = b.withFacts(facts, clock.instant())
                        .stored(r.id(), st.newBlobs(), st.logicalBytes(), st.newStoredBytes(), st.files(), duration, dt, clock.instant());
                return () -> {
                    catalog.update(done);
                    catalog.volume(v.id()).ifPresent(cur -> catalog.update(cur.leave(clock.instant())));
                };
            } finally {
                lock.unlock();
            }
        } finally {
            Trees.deleteRecursively(stage);
        }
    }

    private void backupFailed(Job job, String reason) {
        catalog.backup(job.resourceId()).ifPresent(b -> catalog.update(b.withStatus(Backup.Status.ERROR, reason, clock.instant())));
        catalog.volume(job.volumeId()).filter(Volume::busy).ifPresent(v -> catalog.update(v.leave(clock.instant())));
    }

    /** A path holding the snapshot's data: the clone itself, or a restore of it into {@code stage}. */
    private Path materialize(Snapshot s, String driverName, Path stage, JobContext ctx) throws IOException {
        if (s.method().equals(Snapshot.REFLINK)) return Path.of(s.location());
        try (Repository repo = snapshotRepository()) {
            RestoreRunner r = new RestoreRunner(repo, VOLUME_RESTORE);
            Path out = driverName.equals("image") ? stage : stage.resolve("tree");
            RestoreResult res = r.run(s.location(), out);
            if (!res.ok()) throw new IOException("snapshot " + s.id() + " could not be read back: " + res.errors().get(0));
            return driverName.equals("image") ? stage.resolve(ImageVolumeDriver.IMAGE) : out;
        }
    }

    /**
     * What a copy of a volume in {@code status} can promise: {@code crash} when it is one instant
     * (its filesystems were frozen, or one image file was cloned atomically), {@code quiescent}
     * when nothing had the volume attached, {@code none} when an attached volume was read while
     * it could change (files of a directory volume are cloned one by one).
     */
    static String consistency(Volume.Status status, boolean frozen, boolean atomicClone) {
        if (frozen || atomicClone) return "crash";
        return Volume.Status.IN_USE == status ? "none" : "quiescent";
    }

    /**
     * A clone of a volume: where its data is, how long its filesystems were frozen (null: nothing
     * was), and whether it is one instant of the volume by itself (one image file cloned at once, or
     * a btrfs snapshot of a subvolume).
     */
    record Clone(Path path, Long freezeMs, boolean atomic) {}

    /**
     * A clone of the volume under {@code dst}: a read-only snapshot of a {@code dir} volume that is
     * a btrfs subvolume, else a reflink clone of the tree itself, or {@code dst/volume.img} for an
     * image, whose mounted filesystems are frozen for the instant of the clone.
     */
    static Clone cloneVolume(Volume v, Path dst) throws IOException {
        Path src = Path.of(v.path());
        if (v.driver().equals("image")) {
            Files.createDirectories(dst);
            Path img = dst.resolve(ImageVolumeDriver.IMAGE);
            List<String> mounts = Freezer.mountsOf(src);
            long frozen = Freezer.whileFrozen(mounts, () -> Reflinks.cloneTree(src, img));
            return new Clone(img, mounts.isEmpty() ? null : frozen, true);
        }
        if (Subvolumes.snapshotIfSubvolume(src, dst, true)) return new Clone(dst, null, true);
        Reflinks.cloneTree(src, dst);
        return new Clone(dst, null, false);
    }

    Repository snapshotRepository() throws IOException {
        return Repositories.openOrInit(Stores.open(config.snapshotRepository().toString()));
    }

    // ---- restore ----

    private Runnable restore(Job job, JobContext ctx) throws Exception {
        Backup b = catalog.backup(job.params().get("backup")).orElseThrow();
        Volume v = catalog.volume(job.volumeId()).orElseThrow();
        Path stage = staging(job);
        boolean swapping = false;
        try {
            Lock lock = repositories.lock(b.repository(), b.container()).readLock();
            lock.lockInterruptibly();
            try (Repository repo = repositories.open(b.repository(), b.container(), false)) {
                RestoreRunner r = new RestoreRunner(repo, VOLUME_RESTORE);
                ctx.track(r::bytesDone, r::totalBytes, r::filesDone, () -> 0L);
                boolean image = b.volumeDriver().equals("image");
                Path out = image ? stage : stage.resolve("tree");
                // on btrfs the restored tree is a subvolume, as the volume it replaces was
                if (!image && Subvolumes.supported(stage)) Subvolumes.create(out);
                RestoreResult res = r.run(b.manifestId(), out);
                if (!res.ok()) throw new IOException("restore of backup " + b.id() + " failed: " + String.join("; ", res.errors().subList(0, Math.min(3, res.errors().size()))));
                ctx.checkCancelled();
                VolumeGuard.requireUnused(v); // asked when the restore was, and again now that it would replace the data
                if (image) {
                    Path img = stage.resolve(ImageVolumeDriver.IMAGE);
                    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                        if (f.length() < v.sizeBytes()) f.setLength(v.sizeBytes());
                        f.getFD().sync();
                    }
                    swapping = markSwap(stage);
                    Files.move(img, Path.of(v.path()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    swapping = markSwap(stage);
                    swapDirectory(Path.of(v.path()), out, stage.resolve("old"));
                }
                FaultPoints.reached(FaultPoints.RESTORE_SWAPPED);
            } finally {
                lock.unlock();
            }
        } catch (Exception | Error e) {
            Trees.deleteRecursively(stage); // the swap failed or never began: the volume is as it was
            throw e;
        }
        // swapped: the staging directory (its marker, a directory volume's old data) stays until the
        // job's success is committed (restoreCommitted), so that a stop before that is settled as
        // the restore it was (Reconciler)
        if (!swapping) Trees.deleteRecursively(stage);
        String startInstance = job.params().get("start_instance");
        if (startInstance != null) {
            Instance inst = catalog.instance(startInstance).orElseThrow(() -> new IOException("instance " + startInstance + " was unregistered during its restore"));
            DbEngine engine = DbEngine.parse(inst.engine());
            Path dataDir = inst.dataSubdir().isEmpty() ? Path.of(v.path()) : Path.of(v.path()).resolve(inst.dataSubdir());
            String password = Secrets.resolve("password of instance " + inst.name(), inst.passwordRef());
            LocalRuntime.Running run = LocalRuntime.start(engine, dataDir, runDir(inst.id()), inst.user(), password, READY_TIMEOUT);
            return () -> {
                var now = clock.instant();
                catalog.volume(v.id()).ifPresent(cur -> catalog.update(cur.restored(now).withAttachment(inst.name(), now)));
                catalog.backup(b.id()).ifPresent(cur -> catalog.update(cur.withStatus(Backup.Status.AVAILABLE, null, now)));
                catalog.instance(inst.id()).ifPresent(cur -> catalog.update(cur.running(run.host(), run.port(), run.socketDir().toString(), run.pid(), now)
                        .withFacts(Map.of("restore.coffer.io/time-to-ready-ms", Long.toString(run.timeToReadyMs())), now)));
            };
        }
        return () -> {
            catalog.volume(v.id()).ifPresent(cur -> catalog.update(cur.restored(clock.instant())));
            catalog.backup(b.id()).ifPresent(cur -> catalog.update(cur.withStatus(Backup.Status.AVAILABLE, null, clock.instant())));
        };
    }

    /** Where a server Coffer runs keeps its socket, pid file and log: short, for the socket path's limit of 107 bytes. */
    Path runDir(String id) {
        return config.dataDir().resolve("run").resolve(id.substring(0, Math.min(12, id.length())));
    }

    /** Marks in {@code stage} that its data is about to be swapped into the volume (durably: a stop after the swap must find it). */
    static boolean markSwap(Path stage) throws IOException {
        Path marker = stage.resolve(SWAP_MARKER);
        try (var ch = java.nio.channels.FileChannel.open(marker, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (var dir = java.nio.channels.FileChannel.open(stage, java.nio.file.StandardOpenOption.READ)) {
            dir.force(true);
        }
        return true;
    }

    /** Its staging directory once a restore's success is committed. */
    private void restoreCommitted(Job job) {
        try {
            Trees.deleteRecursively(config.stagingDir().resolve(job.id()));
        } catch (IOException e) {
            LOG.warn("job {}: staging not removed ({}); the next start removes it", job.id(), e.getMessage());
        }
    }

    /** In a restore's staging directory: the data is being, or has been, swapped into the volume. */
    static final String SWAP_MARKER = "swap";

    /**
     * Puts {@code fresh} where {@code live} is: live → old, fresh → live. A crash between the two
     * renames leaves {@code old}, which {@link Reconciler} moves back.
     */
    static void swapDirectory(Path live, Path fresh, Path old) throws IOException {
        Files.move(live, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(fresh, live, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the staging directory is wiped after a failure: the live data must not stay in it
            try {
                Files.move(old, live, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException back) {
                e.addSuppressed(back);
            }
            throw e;
        }
    }

    private void restoreFailed(Job job, String reason) {
        String backupId = job.params().get("backup");
        String startInstance = job.params().get("start_instance");
        if (startInstance != null) {
            catalog.instance(startInstance).ifPresent(i -> catalog.update(i.withStatus(Instance.Status.ERROR, reason, clock.instant())));
        }
        catalog.backup(backupId).filter(b -> b.status() == Backup.Status.RESTORING)
                .ifPresent(b -> catalog.update(b.withStatus(Backup.Status.AVAILABLE, null, clock.instant())));
        // The data is swapped in only at the very end: before that, an existing volume still holds
        // what it held and returns to its previous state, and a volume made for the restore holds
        // nothing. After it (an instance that then failed to start), the volume holds the backup.
        boolean swapped = Files.exists(config.stagingDir().resolve(job.id()).resolve(SWAP_MARKER));
        boolean newVolume = Boolean.parseBoolean(job.params().get("new_volume"));
        catalog.volume(job.volumeId()).ifPresent(v -> catalog.update(newVolume && !swapped
                ? v.withStatus(Volume.Status.ERROR_RESTORING, "restore of backup " + backupId + " failed: " + reason, clock.instant())
                : v.leave(clock.instant())));
        if (swapped) restoreCommitted(job);
    }

    // ---- snapshots ----

    private Runnable snapshot(Job job, JobContext ctx) throws Exception {
        Snapshot s = catalog.snapshot(job.resourceId()).orElseThrow();
        Volume v = catalog.volume(s.volumeId()).orElseThrow();
        long start = System.nanoTime();
        Files.createDirectories(config.snapshotsDir());
        if ("application".equals(job.params().get("consistency"))) return applicationSnapshot(job, s, v, ctx, start);
        String method;
        String location;
        Long freeze;
        boolean atomic = false;
        if (Reflinks.supported(config.snapshotsDir())) {
            Clone c = cloneVolume(v, config.snapshotsDir().resolve(s.id()));
            location = c.path().toString();
            freeze = c.freezeMs();
            atomic = c.atomic();
            method = Snapshot.REFLINK;
        } else {
            // Without clones the capture itself is the snapshot: an image's mounted filesystems
            // stay frozen for all of it, so that it is one instant (freeze_ms tells how long).
            List<String> mounts = v.driver().equals("image") ? Freezer.mountsOf(Path.of(v.path())) : List.of();
            String[] id = new String[1];
            try (Repository repo = snapshotRepository()) {
                BackupRunner runner = new BackupRunner(repo, BackupOptions.defaults().withTags(Map.of("coffer.snapshot_id", s.id(), "coffer.volume_id", v.id())));
                BackupProgress p = runner.progress();
                ctx.track(p::bytesDone, p::bytesSeen, p::filesDone, p::filesSeen);
                long frozen = Freezer.whileFrozen(mounts, () -> id[0] = runner.run(Path.of(v.path())).id());
                freeze = mounts.isEmpty() ? null : frozen;
            }
            location = id[0];
            method = Snapshot.REPOSITORY;
        }
        String consistency = consistency(v.status(), freeze != null, atomic);
        long duration = (System.nanoTime() - start) / 1_000_000;
        Snapshot done = s.taken(method, location, consistency, v.sizeBytes(), freeze, duration, clock.instant());
        return () -> catalog.update(done);
    }

    /**
     * A snapshot cut while the database on the volume is quiesced (PostgreSQL in backup mode,
     * MariaDB under its read lock; see {@link ConsistentCopy}): the quiesced copy is the snapshot
     * where the filesystem clones, and is captured into the snapshot repository elsewhere.
     * {@code freeze_ms} is how long writes waited (0 for PostgreSQL).
     */
    private Runnable applicationSnapshot(Job job, Snapshot s, Volume v, JobContext ctx, long start) throws Exception {
        Instance instance = catalog.instance(job.params().get("instance"))
                .orElseThrow(() -> ServiceException.notFound("instance " + job.params().get("instance") + " is no longer registered"));
        boolean clones = Reflinks.supported(config.snapshotsDir());
        Path stage = staging(job);
        Path dst = clones ? config.snapshotsDir().resolve(s.id()) : stage.resolve("copy");
        try {
            ConsistentCopy.Report rep;
            try {
                rep = ConsistentCopy.make(Instances.endpoint(instance), Path.of(v.path()), instance.dataSubdir(), dst, "coffer_snapshot_" + s.id().substring(0, 8));
            } catch (ConsistentCopy.QuiesceException e) {
                throw new IOException("cannot quiesce instance " + instance.name() + ": " + e.getMessage(), e);
            }
            String location = dst.toString();
            String method = Snapshot.REFLINK;
            if (!clones) {
                try (Repository repo = snapshotRepository()) {
                    BackupRunner runner = new BackupRunner(repo, BackupOptions.defaults().withTags(Map.of("coffer.snapshot_id", s.id(), "coffer.volume_id", v.id())));
                    BackupProgress p = runner.progress();
                    ctx.track(p::bytesDone, p::bytesSeen, p::filesDone, p::filesSeen);
                    location = runner.run(dst).id();
                }
                method = Snapshot.REPOSITORY;
            }
            LOG.info("snapshot {} of volume {}: instance {} quiesced by {} for {} ms (writes waited {} ms)", s.id(), v.name(), instance.name(), rep.method(),
                    rep.windowMs(), rep.writePauseMs());
            long duration = (System.nanoTime() - start) / 1_000_000;
            Snapshot done = s.taken(method, location, "application", v.sizeBytes(), rep.writePauseMs(), duration, clock.instant());
            return () -> catalog.update(done);
        } finally {
            Trees.deleteRecursively(stage);
        }
    }

    private void snapshotFailed(Job job, String reason) {
        catalog.snapshot(job.resourceId()).ifPresent(s -> catalog.update(s.withStatus(Snapshot.Status.ERROR, reason, clock.instant())));
        try {
            Trees.deleteRecursively(config.snapshotsDir().resolve(job.resourceId()));
        } catch (IOException e) {
            LOG.warn("partial snapshot {} not removed: {}", job.resourceId(), e.getMessage());
        }
    }

    /** Removes a snapshot's data (a clone, or its manifest in the snapshot repository, then prune). */
    void deleteSnapshotData(Snapshot s) throws IOException {
        if (s.location() == null) return;
        if (s.method().equals(Snapshot.REFLINK)) {
            Trees.deleteRecursively(config.snapshotsDir().resolve(s.id()));
        } else {
            try (Repository repo = snapshotRepository()) {
                try {
                    repo.store().delete("manifests/" + s.location());
                } catch (ObjectNotFoundException gone) {
                    // already deleted
                }
                new Pruner(repo, 0.1).run();
            }
        }
    }

    private Runnable volumeFromSnapshot(Job job, JobContext ctx) throws Exception {
        Volume v = catalog.volume(job.resourceId()).orElseThrow();
        Snapshot s = catalog.snapshot(job.params().get("snapshot")).orElseThrow(() -> ServiceException.notFound("snapshot " + job.params().get("snapshot") + " is gone"));
        VolumeDriver d = driver(v.driver());
        Path stage = staging(job);
        try {
            Path data = materialize(s, v.driver(), stage, ctx);
            Path target = d.pathOf(v.id());
            Files.createDirectories(target.getParent());
            if (!s.method().equals(Snapshot.REFLINK)) Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
            else if (!Subvolumes.snapshotIfSubvolume(data, target, false)) Reflinks.cloneTree(data, target);
        } finally {
            Trees.deleteRecursively(stage);
        }
        return () -> catalog.update(v.withStatus(Volume.Status.AVAILABLE, null, clock.instant()));
    }

    private void volumeFailed(Job job, String reason) {
        catalog.volume(job.resourceId()).ifPresent(v -> catalog.update(v.withStatus(Volume.Status.ERROR, reason, clock.instant())));
    }

    // ---- verify ----

    /** Restores a backup of a database to a scratch directory, starts the engine on it, checks it, records the verdict. */
    private Runnable verify(Job job, JobContext ctx) throws Exception {
        Backup b = catalog.backup(job.resourceId()).orElseThrow();
        Map<String, String> f = b.facts();
        DbEngine engine = DbEngine.parse(f.get(Instances.ENGINE));
        Path stage = staging(job);
        long t0 = System.nanoTime();
        try {
            Lock lock = repositories.lock(b.repository(), b.container()).readLock();
            lock.lockInterruptibly();
            Path tree = stage.resolve("tree");
            try (Repository repo = repositories.open(b.repository(), b.container(), false)) {
                RestoreRunner r = new RestoreRunner(repo, VOLUME_RESTORE);
                ctx.track(r::bytesDone, r::totalBytes, r::filesDone, () -> 0L);
                RestoreResult res = r.run(b.manifestId(), tree);
                if (!res.ok()) throw new IOException("restore of backup " + b.id() + " failed: " + String.join("; ", res.errors().subList(0, Math.min(3, res.errors().size()))));
            } finally {
                lock.unlock();
            }
            ctx.checkCancelled();
            String sub = f.getOrDefault(Instances.DATA_SUBDIR, "");
            Path dataDir = sub.isEmpty() ? tree : tree.resolve(sub);
            String password = Secrets.resolve("password of the backed-up instance", f.get(Instances.PASSWORD_REF));
            Verifier.Result v = Verifier.check(engine, dataDir, runDir(job.id()), f.get(Instances.DB_USER), password,
                    job.params().get("database"), job.params().get("query"), READY_TIMEOUT);
            Map<String, String> facts = new HashMap<>();
            facts.put("verify.status", v.passed() ? "passed" : "failed");
            facts.put("verify.at", clock.instant().toString());
            facts.put("verify.duration_ms", Long.toString((System.nanoTime() - t0) / 1_000_000));
            facts.put("verify.detail", v.summary());
            facts.put("verify.job_id", job.id());
            v.facts().forEach((k, x) -> facts.put("verify." + k, x));
            if (!v.passed()) {
                catalog.backup(b.id()).ifPresent(cur -> catalog.update(cur.withFacts(facts, clock.instant())));
                throw new IOException("verification of backup " + b.id() + " failed: " + v.summary());
            }
            return () -> catalog.backup(b.id()).ifPresent(cur -> catalog.update(cur.withFacts(facts, clock.instant())));
        } finally {
            Trees.deleteRecursively(stage);
            Trees.deleteRecursively(runDir(job.id()));
        }
    }

    private void verifyFailed(Job job, String reason) {
        catalog.backup(job.resourceId()).ifPresent(b -> {
            if (job.id().equals(b.facts().get("verify.job_id"))) return; // the checks ran and their verdict is recorded
            catalog.update(b.withFacts(Map.of("verify.status", "failed", "verify.at", clock.instant().toString(), "verify.detail", reason,
                    "verify.job_id", job.id()), clock.instant()));
        });
    }

    // ---- delete ----

    /** Deletes the backups named in the job (dependents first), then prunes what nothing references any more. */
    private Runnable deleteBackups(Job job, JobContext ctx) throws Exception {
        List<String> ids = split(job.params().get("backups"));
        Backup first = catalog.backup(ids.get(0)).orElseThrow();
        Lock lock = repositories.lock(first.repository(), first.container()).writeLock();
        lock.lockInterruptibly();
        try {
            Repository repo = null;
            try {
                repo = repositories.open(first.repository(), first.container(), false);
            } catch (RepositoryException e) {
                if (e.kind() != RepositoryException.Kind.NOT_FOUND) throw e;
            }
            try {
                for (String id : ids) {
                    Backup b = catalog.backup(id).orElse(null);
                    if (b == null) continue;
                    if (repo != null && b.manifestId() != null) {
                        try {
                            repo.store().delete("manifests/" + b.manifestId());
                        } catch (ObjectNotFoundException gone) {
                            // deleted before a crash
                        }
                    }
                    catalog.deleteBackup(id);
                    ctx.filesDone.incrementAndGet();
                }
                if (repo != null) new Pruner(repo, 0.1).run();
            } finally {
                if (repo != null) repo.close();
            }
        } finally {
            lock.unlock();
        }
        return () -> {};
    }

    private void deleteFailed(Job job, String reason) {
        for (String id : split(job.params().get("backups"))) {
            catalog.backup(id).ifPresent(b -> catalog.update(b.withStatus(Backup.Status.ERROR, "delete failed: " + reason + "; delete it again", clock.instant())));
        }
    }

    static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : List.of(csv.split(","));
    }
}
