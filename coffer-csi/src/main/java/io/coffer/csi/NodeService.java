package io.coffer.csi;

import csi.v1.Csi;
import csi.v1.NodeGrpc;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CSI Node: a mount volume's directory is bind-mounted at the target path, a block volume's image
 * is attached to a loop device that is bind-mounted at the target (a file); both idempotent.
 * Volumes are this node's: the topology key {@value #TOPOLOGY} names it.
 */
final class NodeService extends NodeGrpc.NodeImplBase {
    static final String TOPOLOGY = "topology.coffer.io/node";

    private final CofferService svc;
    private final String nodeId;
    private final InFlight inFlight = new InFlight();

    NodeService(CofferService svc, String nodeId) {
        this.svc = svc;
        this.nodeId = nodeId;
    }

    static Csi.Topology topology(String nodeId) {
        return Csi.Topology.newBuilder().putSegments(TOPOLOGY, nodeId).build();
    }

    @Override
    public void nodeGetInfo(Csi.NodeGetInfoRequest req, StreamObserver<Csi.NodeGetInfoResponse> out) {
        Grpc.answer("NodeGetInfo", out, () -> Csi.NodeGetInfoResponse.newBuilder().setNodeId(nodeId).setAccessibleTopology(topology(nodeId)).build());
    }

    @Override
    public void nodeGetCapabilities(Csi.NodeGetCapabilitiesRequest req, StreamObserver<Csi.NodeGetCapabilitiesResponse> out) {
        Grpc.answer("NodeGetCapabilities", out, () -> Csi.NodeGetCapabilitiesResponse.newBuilder()
                .addCapabilities(Csi.NodeServiceCapability.newBuilder().setRpc(
                        Csi.NodeServiceCapability.RPC.newBuilder().setType(Csi.NodeServiceCapability.RPC.Type.GET_VOLUME_STATS)))
                .build());
    }

    /** What a published volume is attached to in the catalog: this node's kubelet. */
    private String attachment() {
        return CofferService.CSI_ATTACHMENT_PREFIX + nodeId;
    }

    private Volume volume(String id) {
        return svc.catalog().volume(id).orElseThrow(() -> Grpc.notFound("volume " + id + " does not exist"));
    }

    @Override
    public void nodePublishVolume(Csi.NodePublishVolumeRequest req, StreamObserver<Csi.NodePublishVolumeResponse> out) {
        Grpc.answer("NodePublishVolume", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            Path target = Path.of(Grpc.required(req.getTargetPath(), "target_path"));
            if (!req.hasVolumeCapability()) throw Grpc.invalid("volume_capability is required");
            try (var hold = inFlight.begin("volume " + id)) {
                Volume v = volume(id);
                String problem = Capabilities.problem(java.util.List.of(req.getVolumeCapability()), v.driver());
                if (problem != null) throw Grpc.invalid(problem);
                if (Mounts.mounted(target)) return Csi.NodePublishVolumeResponse.getDefaultInstance(); // published already
                Path source = Path.of(v.path());
                if (v.driver().equals("image")) {
                    if (!Files.exists(target)) Files.createFile(target);
                    Mounts.bind(Path.of(Mounts.loopOf(source)), target, req.getReadonly());
                } else {
                    Files.createDirectories(target);
                    Mounts.bind(source, target, req.getReadonly());
                }
                // in-use while published: a backup then copies a clone, not a directory being written
                if (v.status() == Volume.Status.AVAILABLE) svc.attach(id, attachment());
            }
            return Csi.NodePublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeUnpublishVolume(Csi.NodeUnpublishVolumeRequest req, StreamObserver<Csi.NodeUnpublishVolumeResponse> out) {
        Grpc.answer("NodeUnpublishVolume", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            Path target = Path.of(Grpc.required(req.getTargetPath(), "target_path"));
            try (var hold = inFlight.begin("volume " + id)) {
                Volume v = volume(id);
                while (Mounts.mounted(target)) Mounts.unmount(target);
                Files.deleteIfExists(target); // the directory or file publish made
                if (v.driver().equals("image")) Mounts.detachLoops(Path.of(v.path()));
                if (attachment().equals(v.attachedTo()) && v.status() == Volume.Status.IN_USE) svc.detach(id);
            }
            return Csi.NodeUnpublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGetVolumeStats(Csi.NodeGetVolumeStatsRequest req, StreamObserver<Csi.NodeGetVolumeStatsResponse> out) {
        Grpc.answer("NodeGetVolumeStats", out, () -> {
            String id = Grpc.required(req.getVolumeId(), "volume_id");
            Path path = Path.of(Grpc.required(req.getVolumePath(), "volume_path"));
            Volume v = volume(id);
            if (!Files.exists(path)) throw Grpc.notFound("volume path " + path + " does not exist");
            var b = Csi.NodeGetVolumeStatsResponse.newBuilder();
            if (v.driver().equals("image")) {
                b.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.BYTES).setTotal(v.sizeBytes()));
                return b.build();
            }
            var store = Files.getFileStore(path);
            long total = store.getTotalSpace(), free = store.getUsableSpace();
            b.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.BYTES).setTotal(total).setAvailable(free).setUsed(total - free));
            String[] inodes = Mounts.run("stat", "-f", "-c", "%c %d", path.toString()).strip().split(" ");
            if (inodes.length == 2) {
                long all = Long.parseLong(inodes[0]), left = Long.parseLong(inodes[1]);
                b.addUsage(Csi.VolumeUsage.newBuilder().setUnit(Csi.VolumeUsage.Unit.INODES).setTotal(all).setAvailable(left).setUsed(all - left));
            }
            return b.build();
        });
    }
}
