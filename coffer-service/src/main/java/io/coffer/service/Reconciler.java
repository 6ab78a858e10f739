package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Job;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.volume.Freezer;
import io.coffer.volume.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once at start, before any job: every job of this node that a crash left running is ended
 * as failed with a reason, its resources get truthful states, half-swapped volume directories are
 * put back, and staging directories are removed. Partial repository data is left for prune.
 * Queued jobs never began: they stay queued and run once the node is up. Other nodes' jobs are
 * theirs to reconcile (a shared catalog: they may be running right now).
 *
 * <pre>
 *   backup               -> backup error; volume back to its previous state
 *   restore              -> backup available; volume back to its previous state (its data was
 *                           never touched: restores land in staging and are swapped in at the end)
 *                           or error_restoring when the swap itself was cut short; stopped after
 *                           the swap: recorded as the success it was (job succeeded, volume
 *                           available with the backup's data)
 *   snapshot             -> snapshot error; partial clone removed; an image volume's
 *                           filesystems thawed if the stop left them frozen (also for backup)
 *   volume-from-snapshot -> volume error
 *   delete-backup        -> backups still listed: error ("delete it again")
 * </pre>
 */
final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    static final String INTERRUPTED = "interrupted: the server stopped while this job ran";

    private final ServiceConfig config;
    private final Catalog catalog;
    private final Clock clock;

    Reconciler(ServiceConfig config, Catalog catalog, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
    }

    void run() throws IOException {
        for (Job j : catalog.unfinishedJobsOf(config.node())) {
            if (j.status() == Job.Status.QUEUED) continue;
            try (Catalog.Held held = catalog.writeLock()) {
                reconcile(j);
            }
        }
        for (var i : catalog.instances()) {
            if (!i.status().equals(io.coffer.catalog.Instance.Status.CREATING)) continue;
            if (catalog.volume(i.volumeId()).map(v -> v.node() != null && !v.node().equals(config.node())).orElse(false)) continue;
            LOG.warn("instance {} was being restored when the server stopped; marking it error", i.name());
            catalog.update(i.withStatus(io.coffer.catalog.Instance.Status.ERROR, "interrupted: the server stopped while this instance was restored; unregister it", clock.instant()));
        }
        Trees.deleteRecursively(config.stagingDir());
    }

    private void reconcile(Job j) throws IOException {
        if (restoreSwapped(j)) {
            // the data was in the volume before the stop: the restore finished, only its record did not
            LOG.warn("job {} (restore of backup {} into volume {}) was stopped after its data was swapped in; recording it as succeeded",
                    j.id(), j.params().get("backup"), j.volumeId());
            var now = clock.instant();
            catalog.inTransaction(() -> {
                catalog.backup(j.params().get("backup")).filter(b -> b.status() == Backup.Status.RESTORING)
                        .ifPresent(b -> catalog.update(b.withStatus(Backup.Status.AVAILABLE, null, now)));
                catalog.volume(j.volumeId()).ifPresent(v -> catalog.update(v.restored(now)));
                catalog.update(j.finish(Job.Status.SUCCEEDED, null, now));
                return null;
            });
            return;
        }
        LOG.warn("job {} ({} of {} {}) was interrupted by a stop; marking it failed", j.id(), j.kind(), j.resourceType(), j.resourceId());
        thawIfFrozen(j);
        if (j.kind() == Job.Kind.VERIFY) stopScratchServer(j);
        boolean swapRepaired = repairSwap(j);
        catalog.inTransaction(() -> {
            settle(j, swapRepaired);
            catalog.update(j.finish(Job.Status.FAILED, INTERRUPTED, clock.instant()));
            return null;
        });
    }

    private void settle(Job j, boolean swapRepaired) {
        var now = clock.instant();
        switch (j.kind()) {
            case BACKUP -> {
                catalog.backup(j.resourceId()).ifPresent(b -> catalog.update(b.withStatus(Backup.Status.ERROR,
                        "incomplete backup reset on restart (" + INTERRUPTED + "); its partial data is left for prune", now)));
                catalog.volume(j.volumeId()).filter(Volume::busy).ifPresent(v -> catalog.update(v.leave(now)));
            }
            case RESTORE -> {
                catalog.backup(j.params().get("backup")).filter(b -> b.status() == Backup.Status.RESTORING)
                        .ifPresent(b -> catalog.update(b.withStatus(Backup.Status.AVAILABLE, null, now)));
                catalog.volume(j.volumeId()).ifPresent(v -> {
                    if ("true".equals(j.params().get("new_volume"))) {
                        catalog.update(v.withStatus(Volume.Status.ERROR_RESTORING, "restore interrupted by a server stop; the volume holds no data", now));
                    } else if (swapRepaired || Files.exists(Path.of(v.path()), LinkOption.NOFOLLOW_LINKS)) {
                        catalog.update(v.leave(now));
                    } else {
                        catalog.update(v.withStatus(Volume.Status.ERROR_RESTORING, "restore interrupted by a server stop while swapping data in", now));
                    }
                });
            }
            case SNAPSHOT -> {
                catalog.snapshot(j.resourceId()).ifPresent(s -> catalog.update(s.withStatus(Snapshot.Status.ERROR, INTERRUPTED, now)));
                try {
                    Trees.deleteRecursively(config.snapshotsDir().resolve(j.resourceId()));
                } catch (IOException e) {
                    LOG.warn("partial snapshot {} not removed: {}", j.resourceId(), e.getMessage());
                }
            }
            case VOLUME_FROM_SNAPSHOT ->
                    catalog.volume(j.resourceId()).ifPresent(v -> catalog.update(v.withStatus(Volume.Status.ERROR, INTERRUPTED, now)));
            case DELETE_BACKUP -> {
                for (String id : Operations.split(j.params().get("backups"))) {
                    catalog.backup(id).ifPresent(b -> catalog.update(b.withStatus(Backup.Status.ERROR, "delete " + INTERRUPTED + "; delete it again", now)));
                }
            }
            case VERIFY -> catalog.backup(j.resourceId()).ifPresent(b -> catalog.update(b.withFacts(java.util.Map.of(
                    "verify.status", "failed", "verify.detail", "verification " + INTERRUPTED + "; verify again", "verify.job_id", j.id(),
                    "verify.at", now.toString()), now)));
            default -> LOG.warn("job {} has unknown kind {}", j.id(), j.kind());
        }
    }

    /**
     * A stop while a snapshot or backup held an image volume's filesystems frozen would leave
     * every writer on them blocked for good: thaw them (thawing a filesystem that is not frozen
     * only fails, harmlessly).
     */
    private void thawIfFrozen(Job j) {
        if (j.kind() != Job.Kind.SNAPSHOT && j.kind() != Job.Kind.BACKUP) return;
        try {
            int n = io.coffer.instance.ConsistentCopy.continueStopped(config.stagingDir().resolve(j.id()).resolve(Operations.SIGSTOP_LEDGER));
            if (n > 0) LOG.warn("job {}: {} database processes were left stopped by the stop; continued them", j.id(), n);
        } catch (IOException e) {
            LOG.warn("job {}: could not continue the database processes it stopped: {}", j.id(), e.getMessage());
        }
        var v = catalog.volume(j.volumeId()).orElse(null);
        if (v == null || !v.driver().equals("image")) return;
        try {
            for (String m : Freezer.thaw(Freezer.mountsOf(Path.of(v.path())))) {
                LOG.warn("volume {}: {} was left frozen by the stop; thawed", v.name(), m);
            }
        } catch (IOException e) {
            LOG.warn("volume {}: could not check its filesystems for a freeze left behind: {}", v.name(), e.getMessage());
        }
    }

    /** A verification cut short may leave its server running on the scratch copy that is about to be removed: kill it. */
    private void stopScratchServer(Job j) {
        Path run = config.dataDir().resolve("run").resolve(j.id().substring(0, Math.min(12, j.id().length())));
        for (String f : java.util.List.of("postgres.pid", "mysqld.pid")) {
            try {
                Path pidFile = run.resolve(f);
                if (!java.nio.file.Files.isRegularFile(pidFile)) continue;
                long pid = Long.parseLong(java.nio.file.Files.readAllLines(pidFile).get(0).trim());
                ProcessHandle.of(pid).ifPresent(h -> {
                    LOG.warn("job {}: stopping the database server (pid {}) it left on its scratch copy", j.id(), pid);
                    h.destroyForcibly();
                });
            } catch (IOException | RuntimeException e) {
                LOG.warn("job {}: could not stop the server it left running: {}", j.id(), e.getMessage());
            }
        }
        try {
            Trees.deleteRecursively(run);
        } catch (IOException e) {
            LOG.warn("job {}: {} not removed: {}", j.id(), run, e.getMessage());
        }
    }

    /**
     * A restore that marked its swap ({@link Operations#SWAP_MARKER}) and got through it: the
     * volume holds the backup's data. An image volume's new image has left staging; a directory
     * volume has both renames behind it (its new tree in place, the old one in staging). Cut
     * between a directory's two renames, it is not done: {@link #repairSwap} puts the old data back.
     */
    private boolean restoreSwapped(Job j) {
        if (j.kind() != Job.Kind.RESTORE) return false;
        Path stage = config.stagingDir().resolve(j.id());
        if (!Files.exists(stage.resolve(Operations.SWAP_MARKER))) return false;
        var v = catalog.volume(j.volumeId()).orElse(null);
        if (v == null) return false;
        Path live = Path.of(v.path());
        if (v.driver().equals("image")) {
            return Files.exists(live, LinkOption.NOFOLLOW_LINKS) && !Files.exists(stage.resolve(io.coffer.volume.ImageVolumeDriver.IMAGE));
        }
        return Files.isDirectory(live, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(stage.resolve("old"), LinkOption.NOFOLLOW_LINKS);
    }

    /** A directory restore cut between its two renames leaves the old data in staging: put it back. */
    private boolean repairSwap(Job j) throws IOException {
        if (j.kind() != Job.Kind.RESTORE) return false;
        var v = catalog.volume(j.volumeId()).orElse(null);
        if (v == null || v.driver().equals("image")) return false;
        Path live = Path.of(v.path());
        Path old = config.stagingDir().resolve(j.id()).resolve("old");
        if (!Files.exists(live, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(old, live, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("volume {}: restore was cut between its renames; the previous data is back in place", v.name());
            return true;
        }
        return false;
    }
}
