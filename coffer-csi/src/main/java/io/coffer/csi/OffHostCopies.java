package io.coffer.csi;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Snapshot;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Snapshots that are also off-host backups: the VolumeSnapshotClass parameter
 * {@code backupRepository: NAME} (with {@code container}, and {@code incremental: "true"} to build
 * on the volume's newest backup there) backs the snapshot up into that repository once it is cut.
 * The snapshot is {@code ready_to_use} only when the backup is available, as the spec allows for
 * post-processing, so that a VolumeSnapshot that reports ready survives the loss of its node.
 */
final class OffHostCopies {
    static final String REPOSITORY = "backupRepository";
    static final String CONTAINER = "container";
    static final String INCREMENTAL = "incremental";
    static final Set<String> PARAMETERS = Set.of(REPOSITORY, CONTAINER, INCREMENTAL);
    /** Labels of a snapshot that asked for an off-host copy: where it goes. */
    static final String REPOSITORY_LABEL = "csi.coffer.io/backup-repository";
    static final String CONTAINER_LABEL = "csi.coffer.io/backup-container";
    /** The backup's metadata key naming the snapshot it copies. */
    static final String SNAPSHOT_KEY = "csi.coffer.io/snapshot";

    private final CofferService svc;

    OffHostCopies(CofferService svc) {
        this.svc = svc;
    }

    /** The labels that record the copy a snapshot's parameters ask for (none when they ask for none). */
    static void record(Map<String, String> parameters, Map<String, String> labels) {
        String repo = parameters.get(REPOSITORY);
        if (repo == null) {
            if (parameters.containsKey(CONTAINER) || parameters.containsKey(INCREMENTAL)) {
                throw Grpc.invalid("parameters " + CONTAINER + " and " + INCREMENTAL + " need " + REPOSITORY);
            }
            return;
        }
        labels.put(REPOSITORY_LABEL, repo);
        if (parameters.get(CONTAINER) != null) labels.put(CONTAINER_LABEL, parameters.get(CONTAINER));
        String inc = parameters.getOrDefault(INCREMENTAL, "false");
        if (!inc.equals("true") && !inc.equals("false")) throw Grpc.invalid("parameter " + INCREMENTAL + " is \"true\" or \"false\", not \"" + inc + "\"");
    }

    /** The backup copying {@code s}, when it asked for one. */
    Optional<Backup> of(Snapshot s) {
        String repo = s.labels().get(REPOSITORY_LABEL);
        if (repo == null) return Optional.empty();
        return svc.catalog().backupsOf(s.volumeId()).stream().filter(b -> s.id().equals(b.snapshotId()) && repo.equals(b.repository()))
                .max(Comparator.comparing(Backup::createdAt));
    }

    /** Starts the copy of a cut snapshot unless one runs or is done; a failed one is the call's failure. */
    void ensure(Snapshot s, Map<String, String> parameters) {
        String repo = s.labels().get(REPOSITORY_LABEL);
        if (repo == null) return;
        Optional<Backup> b = of(s);
        if (b.isPresent()) {
            if (b.get().status() == Backup.Status.ERROR) {
                throw io.grpc.Status.INTERNAL.withDescription("the off-host copy of snapshot " + s.id() + " to repository " + repo + " failed: "
                        + b.get().failReason() + "; delete the snapshot and take it again").asRuntimeException();
            }
            return;
        }
        boolean incremental = "true".equals(parameters.get(INCREMENTAL))
                && svc.catalog().backupsOf(s.volumeId()).stream().anyMatch(x -> x.status() == Backup.Status.AVAILABLE && repo.equals(x.repository()));
        svc.createBackup(new Requests.CreateBackup(s.volumeId(), s.id(), repo, s.labels().get(CONTAINER_LABEL), s.name(),
                "off-host copy of CSI snapshot " + s.labels().get(CsiNames.NAME), incremental, false, Map.of(SNAPSHOT_KEY, s.id())));
    }

    /** True when {@code s} is cut and, if it asked for an off-host copy, that copy is available. */
    boolean ready(Snapshot s) {
        if (!s.readyToUse()) return false;
        if (s.labels().get(REPOSITORY_LABEL) == null) return true;
        return of(s).map(b -> b.status() == Backup.Status.AVAILABLE).orElse(false);
    }

    /** Deletes the copy with its snapshot, unless later backups build on it (they keep it). */
    void delete(Snapshot s) {
        of(s).filter(b -> !svc.hasDependents(b.id())).filter(b -> b.status() == Backup.Status.AVAILABLE || b.status() == Backup.Status.ERROR)
                .ifPresent(b -> svc.deleteBackup(b.id(), false));
    }
}
