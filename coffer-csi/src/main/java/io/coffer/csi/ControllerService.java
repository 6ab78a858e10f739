package io.coffer.csi;

import com.google.protobuf.Timestamp;
import csi.v1.ControllerGrpc;
import csi.v1.Csi;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * CSI Controller: volumes and snapshots are the service's, so that what Kubernetes makes is a
 * Coffer volume or snapshot, backed up and restored like any other. Calls are idempotent by
 * name, wait for the service's jobs (a volume from a snapshot, a snapshot's cut) and answer
 * with the codes the spec gives.
 */
final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private static final long DEFAULT_SIZE = 1L << 30;
    private static final Set<String> VOLUME_PARAMETERS = Set.of();
    /**
     * The VolumeSnapshotClass parameter {@code consistency}: {@code application} quiesces the
     * database instance registered on the volume for the cut; {@code crash} (the default) cuts
     * the volume alone.
     */
    static final String CONSISTENCY = "consistency";
    private static final Set<String> SNAPSHOT_PARAMETERS = java.util.stream.Stream.concat(OffHostCopies.PARAMETERS.stream(), java.util.stream.Stream.of(CONSISTENCY))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final CofferService svc;
    private final String nodeId;
    private final InFlight inFlight = new InFlight();
    private final OffHostCopies copies;

    ControllerService(CofferService svc, String nodeId) {
        this.svc = svc;
        this.nodeId = nodeId;
        this.copies = new OffHostCopies(svc);
    }

    @Override
    public void controllerGetCapabilities(Csi.ControllerGetCapabilitiesRequest req, StreamObserver<Csi.ControllerGetCapabilitiesResponse> out) {
        Grpc.answer("ControllerGetCapabilities", out, () -> {
            var b = Csi.ControllerGetCapabilitiesResponse.newBuilder();
            for (var t : List.of(Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME, Csi.ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
                    Csi.ControllerServiceCapability.RPC.Type.GET_CAPACITY, Csi.ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT,
                    Csi.ControllerServiceCapability.RPC.Type.LIST_SNAPSHOTS, Csi.ControllerServiceCapability.RPC.Type.GET_SNAPSHOT,
                    Csi.ControllerServiceCapability.RPC.Type.CLONE_VOLUME, Csi.ControllerServiceCapability.RPC.Type.EXPAND_VOLUME)) {
                b.addCapabilities(Csi.ControllerServiceCapability.newBuilder().setRpc(Csi.ControllerServiceCapability.RPC.newBuilder().setType(t)));
            }
            return b.build();
        });
    }

    // ---- volumes ----

    @Override
    public void createVolume(Csi.CreateVolumeRequest req, StreamObserver<Csi.CreateVolumeResponse> out) {
        Grpc.answer("CreateVolume", out, () -> {
            String name = Grpc.required(req.getName(), "name");
            String driver = Capabilities.driver(req.getVolumeCapabilitiesList());
            long required = req.getCapacityRange().getRequiredBytes(), limit = req.getCapacityRange().getLimitBytes();
            if (required < 0 || limit < 0) throw Grpc.invalid("capacity_range must not be negative");
            if (limit > 0 && required > limit) throw Grpc.invalid("capacity_range: required_bytes " + required + " exceeds limit_bytes " + limit);
            Map<String, String> labels = CsiNames.labels(name, req.getParametersMap(), VOLUME_PARAMETERS);
            try (var hold = inFlight.begin("volume name " + name)) {
                Optional<Volume> existing = svc.volumes().stream().filter(v -> name.equals(v.labels().get(CsiNames.NAME))).findFirst();
                if (existing.isPresent()) {
                    Volume v = existing.get();
                    if (v.sizeBytes() < required || limit > 0 && v.sizeBytes() > limit || !v.driver().equals(driver)) {
                        throw Grpc.exists("volume " + name + " exists already with " + v.sizeBytes() + " bytes (" + Capabilities.kind(v.driver())
                                + "); a different size or access type needs another name");
                    }
                    return Csi.CreateVolumeResponse.newBuilder().setVolume(view(Waits.volume(svc, v.id()), source(v))).build();
                }
                var source = req.hasVolumeContentSource() ? req.getVolumeContentSource() : null;
                Volume v = create(name, driver, required, limit, labels, source);
                return Csi.CreateVolumeResponse.newBuilder().setVolume(view(Waits.volume(svc, v.id()), source)).build();
            }
        });
    }

    private Volume create(String name, String driver, long required, long limit, Map<String, String> labels, Csi.VolumeContentSource source)
            throws IOException, InterruptedException {
        String cofferName = CsiNames.cofferName("pvc", name);
        if (source == null || source.getTypeCase() == Csi.VolumeContentSource.TypeCase.TYPE_NOT_SET) {
            long size = required > 0 ? required : limit > 0 ? Math.min(limit, DEFAULT_SIZE) : DEFAULT_SIZE;
            return svc.createVolume(new Requests.CreateVolume(cofferName, Long.toString(size), driver, labels, null));
        }
        Snapshot from;
        String cloneOf = null;
        if (source.hasSnapshot()) {
            String id = Grpc.required(source.getSnapshot().getSnapshotId(), "volume_content_source.snapshot.snapshot_id");
            from = svc.catalog().snapshot(id).orElseThrow(() -> Grpc.notFound("snapshot " + id + " does not exist"));
            labels.put("csi.coffer.io/source-snapshot", id);
        } else {
            // a clone: a snapshot of the volume, a volume from it, and the snapshot gone again
            String id = Grpc.required(source.getVolume().getVolumeId(), "volume_content_source.volume.volume_id");
            Volume src = svc.catalog().volume(id).orElseThrow(() -> Grpc.notFound("volume " + id + " does not exist"));
            labels.put("csi.coffer.io/source-volume", id);
            from = Waits.snapshot(svc, svc.createSnapshot(new Requests.CreateSnapshot(src.id(), CsiNames.cofferName("clone", "clone-" + name),
                    Map.of(CsiNames.NAME + "-clone-of", name))).id());
            cloneOf = from.id();
        }
        Volume sourceVolume = svc.catalog().volume(from.volumeId()).orElseThrow(() -> Grpc.notFound("the volume of snapshot " + from.id() + " is gone"));
        if (!sourceVolume.driver().equals(driver)) {
            throw Grpc.invalid("the source is a " + Capabilities.kind(sourceVolume.driver()) + " volume; a " + Capabilities.kind(driver) + " volume cannot be made from it");
        }
        if (limit > 0 && limit < from.restoreSize()) {
            throw io.grpc.Status.OUT_OF_RANGE.withDescription("the source holds " + from.restoreSize() + " bytes, more than limit_bytes " + limit).asRuntimeException();
        }
        long size = Math.max(required, from.restoreSize());
        Volume v = svc.createVolume(new Requests.CreateVolume(cofferName, Long.toString(size), driver, labels, from.id()));
        if (cloneOf != null) {
            Waits.volume(svc, v.id());
            svc.deleteSnapshot(cloneOf);
        }
        return v;
    }

    private static Csi.VolumeContentSource source(Volume v) {
        String snap = v.labels().get("csi.coffer.io/source-snapshot"), vol = v.labels().get("csi.coffer.io/source-volume");
        if (snap != null) return Csi.VolumeContentSource.newBuilder().setSnapshot(Csi.VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(snap)).build();
        if (vol != null) return Csi.VolumeContentSource.newBuilder().setVolume(Csi.VolumeContentSource.VolumeSource.newBuilder().setVolumeId(vol)).build();
        return null;
    }

    private Csi.Volume view(Volume v, Csi.VolumeContentSource source) {
        var b = Csi.Volume.newBuilder().setVolumeId(v.id()).setCapacityBytes(v.sizeBytes())
                .putVolumeContext("coffer.io/driver", v.driver()).putVolumeContext("coffer.io/name", v.name())
                .addAccessibleTopology(NodeService.topology(nodeId));
        if (source != null) b.setContentSource(source);
        return b.build();
    }

    @Override
    public void deleteVolume(Csi.DeleteVolumeRequest req, StreamObserver<Csi.DeleteVolumeResponse> out) {
        Grpc.answer("DeleteVolume", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            try (var hold = inFlight.begin("volume " + id)) {
                if (svc.catalog().volume(id).isPresent()) svc.deleteVolume(id, false);
            }
            return Csi.DeleteVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void validateVolumeCapabilities(Csi.ValidateVolumeCapabilitiesRequest req, StreamObserver<Csi.ValidateVolumeCapabilitiesResponse> out) {
        Grpc.answer("ValidateVolumeCapabilities", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            if (req.getVolumeCapabilitiesCount() == 0) throw Grpc.invalid("volume_capabilities is required");
            Volume v = svc.catalog().volume(id).orElseThrow(() -> Grpc.notFound("volume " + id + " does not exist"));
            var b = Csi.ValidateVolumeCapabilitiesResponse.newBuilder();
            String problem = Capabilities.problem(req.getVolumeCapabilitiesList(), v.driver());
            if (problem != null) return b.setMessage(problem).build();
            return b.setConfirmed(Csi.ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                    .addAllVolumeCapabilities(req.getVolumeCapabilitiesList()).putAllVolumeContext(req.getVolumeContextMap())
                    .putAllParameters(req.getParametersMap())).build();
        });
    }

    @Override
    public void listVolumes(Csi.ListVolumesRequest req, StreamObserver<Csi.ListVolumesResponse> out) {
        Grpc.answer("ListVolumes", out, () -> {
            List<Volume> all = svc.volumes().stream().sorted(Comparator.comparing(Volume::createdAt).thenComparing(Volume::id)).toList();
            var page = Paging.of(all, req.getMaxEntries(), req.getStartingToken());
            var b = Csi.ListVolumesResponse.newBuilder().setNextToken(page.nextToken());
            for (Volume v : page.page()) b.addEntries(Csi.ListVolumesResponse.Entry.newBuilder().setVolume(view(v, source(v))));
            return b.build();
        });
    }

    @Override
    public void getCapacity(Csi.GetCapacityRequest req, StreamObserver<Csi.GetCapacityResponse> out) {
        Grpc.answer("GetCapacity", out, () -> {
            if (req.getVolumeCapabilitiesCount() > 0 && Capabilities.problem(req.getVolumeCapabilitiesList(), null) != null) {
                return Csi.GetCapacityResponse.newBuilder().setAvailableCapacity(0).build();
            }
            long free = Files.getFileStore(svc.config().dataDir()).getUsableSpace();
            return Csi.GetCapacityResponse.newBuilder().setAvailableCapacity(free).build();
        });
    }

    @Override
    public void controllerExpandVolume(Csi.ControllerExpandVolumeRequest req, StreamObserver<Csi.ControllerExpandVolumeResponse> out) {
        Grpc.answer("ControllerExpandVolume", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            if (!req.hasCapacityRange()) throw Grpc.invalid("capacity_range is required");
            long required = req.getCapacityRange().getRequiredBytes(), limit = req.getCapacityRange().getLimitBytes();
            if (limit > 0 && required > limit) throw Grpc.invalid("capacity_range: required_bytes " + required + " exceeds limit_bytes " + limit);
            try (var hold = inFlight.begin("volume " + id)) {
                Volume v = svc.catalog().volume(id).orElseThrow(() -> Grpc.notFound("volume " + id + " does not exist"));
                if (v.sizeBytes() < required) v = svc.extendVolume(id, Long.toString(required));
                // an image grows in place; a published block device sees the new size at its next publish
                return Csi.ControllerExpandVolumeResponse.newBuilder().setCapacityBytes(v.sizeBytes()).setNodeExpansionRequired(false).build();
            }
        });
    }

    // ---- snapshots ----

    @Override
    public void createSnapshot(Csi.CreateSnapshotRequest req, StreamObserver<Csi.CreateSnapshotResponse> out) {
        Grpc.answer("CreateSnapshot", out, () -> {
            String name = Grpc.required(req.getName(), "name");
            String volumeId = Grpc.required(req.getSourceVolumeId(), "source_volume_id");
            Map<String, String> labels = CsiNames.labels(name, req.getParametersMap(), SNAPSHOT_PARAMETERS);
            OffHostCopies.record(req.getParametersMap(), labels);
            String consistency = req.getParametersMap().getOrDefault(CONSISTENCY, "crash");
            if (!consistency.equals("crash") && !consistency.equals("application")) {
                throw Grpc.invalid("parameter " + CONSISTENCY + " is \"crash\" or \"application\", not \"" + consistency + "\"");
            }
            try (var hold = inFlight.begin("snapshot name " + name)) {
                Optional<Snapshot> existing = svc.snapshots().stream().filter(s -> name.equals(s.labels().get(CsiNames.NAME))).findFirst();
                String id;
                if (existing.isPresent()) {
                    if (!existing.get().volumeId().equals(volumeId)) {
                        throw Grpc.exists("snapshot " + name + " exists already, of volume " + existing.get().volumeId() + "; a snapshot of another volume needs another name");
                    }
                    id = existing.get().id();
                } else {
                    if (svc.catalog().volume(volumeId).isEmpty()) throw Grpc.notFound("volume " + volumeId + " does not exist");
                    id = svc.createSnapshot(new Requests.CreateSnapshot(volumeId, CsiNames.cofferName("snapshot", name), labels, consistency)).id();
                }
                Snapshot s = Waits.snapshot(svc, id); // cut: the CO may thaw the application
                copies.ensure(s, req.getParametersMap());
                return Csi.CreateSnapshotResponse.newBuilder().setSnapshot(view(s)).build();
            }
        });
    }

    /** A snapshot as CSI has it; ready once cut and, when it asked for one, once its off-host copy is available. */
    private Csi.Snapshot view(Snapshot s) {
        return Csi.Snapshot.newBuilder().setSnapshotId(s.id()).setSourceVolumeId(s.volumeId()).setSizeBytes(s.restoreSize())
                .setCreationTime(Timestamp.newBuilder().setSeconds(s.createdAt().getEpochSecond()).setNanos(s.createdAt().getNano()))
                .setReadyToUse(copies.ready(s)).build();
    }

    @Override
    public void deleteSnapshot(Csi.DeleteSnapshotRequest req, StreamObserver<Csi.DeleteSnapshotResponse> out) {
        Grpc.answer("DeleteSnapshot", out, () -> {
            String id = Grpc.required(req.getSnapshotId(), "snapshot_id");
            try (var hold = inFlight.begin("snapshot " + id)) {
                Optional<Snapshot> s = svc.catalog().snapshot(id);
                if (s.isPresent()) {
                    copies.delete(s.get());
                    svc.deleteSnapshot(id);
                }
            }
            return Csi.DeleteSnapshotResponse.getDefaultInstance();
        });
    }

    @Override
    public void listSnapshots(Csi.ListSnapshotsRequest req, StreamObserver<Csi.ListSnapshotsResponse> out) {
        Grpc.answer("ListSnapshots", out, () -> {
            String id = req.getSnapshotId(), volume = req.getSourceVolumeId();
            // only snapshots that are cut: taken ones
            List<Snapshot> all = svc.snapshots().stream().filter(Snapshot::readyToUse)
                    .filter(s -> id.isEmpty() || s.id().equals(id)).filter(s -> volume.isEmpty() || s.volumeId().equals(volume))
                    .sorted(Comparator.comparing(Snapshot::createdAt).thenComparing(Snapshot::id)).toList();
            var page = Paging.of(all, req.getMaxEntries(), req.getStartingToken());
            var b = Csi.ListSnapshotsResponse.newBuilder().setNextToken(page.nextToken());
            for (Snapshot s : page.page()) b.addEntries(Csi.ListSnapshotsResponse.Entry.newBuilder().setSnapshot(view(s)));
            return b.build();
        });
    }

    @Override
    public void getSnapshot(Csi.GetSnapshotRequest req, StreamObserver<Csi.GetSnapshotResponse> out) {
        Grpc.answer("GetSnapshot", out, () -> {
            String id = Grpc.required(req.getSnapshotId(), "snapshot_id");
            Snapshot s = svc.catalog().snapshot(id).orElseThrow(() -> Grpc.notFound("snapshot " + id + " does not exist"));
            return Csi.GetSnapshotResponse.newBuilder().setSnapshot(view(s)).build();
        });
    }
}
