package io.coffer.csi;

import com.google.protobuf.BoolValue;
import csi.v1.Csi;
import csi.v1.IdentityGrpc;
import io.grpc.stub.StreamObserver;

/** CSI Identity: the driver's name and version, its capabilities, and readiness. */
final class IdentityService extends IdentityGrpc.IdentityImplBase {
    static final String DRIVER = "csi.coffer.io";
    private final String version;

    IdentityService(String version) {
        this.version = version;
    }

    @Override
    public void getPluginInfo(Csi.GetPluginInfoRequest req, StreamObserver<Csi.GetPluginInfoResponse> out) {
        Grpc.answer("GetPluginInfo", out, () -> Csi.GetPluginInfoResponse.newBuilder().setName(DRIVER).setVendorVersion(version).build());
    }

    @Override
    public void getPluginCapabilities(Csi.GetPluginCapabilitiesRequest req, StreamObserver<Csi.GetPluginCapabilitiesResponse> out) {
        Grpc.answer("GetPluginCapabilities", out, () -> Csi.GetPluginCapabilitiesResponse.newBuilder()
                .addCapabilities(service(Csi.PluginCapability.Service.Type.CONTROLLER_SERVICE))
                .addCapabilities(service(Csi.PluginCapability.Service.Type.VOLUME_ACCESSIBILITY_CONSTRAINTS))
                .addCapabilities(Csi.PluginCapability.newBuilder().setVolumeExpansion(
                        Csi.PluginCapability.VolumeExpansion.newBuilder().setType(Csi.PluginCapability.VolumeExpansion.Type.ONLINE)))
                .build());
    }

    private static Csi.PluginCapability service(Csi.PluginCapability.Service.Type t) {
        return Csi.PluginCapability.newBuilder().setService(Csi.PluginCapability.Service.newBuilder().setType(t)).build();
    }

    @Override
    public void probe(Csi.ProbeRequest req, StreamObserver<Csi.ProbeResponse> out) {
        Grpc.answer("Probe", out, () -> Csi.ProbeResponse.newBuilder().setReady(BoolValue.of(true)).build());
    }
}
