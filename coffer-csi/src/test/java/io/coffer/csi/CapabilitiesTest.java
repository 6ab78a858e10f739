package io.coffer.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import csi.v1.Csi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
    static Csi.VolumeCapability cap(boolean block, Csi.VolumeCapability.AccessMode.Mode mode) {
        var b = Csi.VolumeCapability.newBuilder().setAccessMode(Csi.VolumeCapability.AccessMode.newBuilder().setMode(mode));
        if (block) b.setBlock(Csi.VolumeCapability.BlockVolume.getDefaultInstance());
        else b.setMount(Csi.VolumeCapability.MountVolume.getDefaultInstance());
        return b.build();
    }

    @Test
    void mountIsADirectoryBlockAnImageAndOnlySingleNodeModesAreOffered() {
        var writer = Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER;
        assertThat(Capabilities.driver(List.of(cap(false, writer)))).isEqualTo("dir");
        assertThat(Capabilities.driver(List.of(cap(true, writer)))).isEqualTo("image");
        assertThat(Capabilities.problem(List.of(cap(false, writer)), "image")).contains("block volume, not a mount one");
        assertThat(Capabilities.problem(List.of(cap(false, Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)), null)).contains("one node");
        assertThat(Capabilities.problem(List.of(cap(false, writer), cap(true, writer)), null)).contains("not both");
        for (var caps : List.of(List.<Csi.VolumeCapability>of(), List.of(Csi.VolumeCapability.getDefaultInstance()),
                List.of(cap(true, Csi.VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY)))) {
            assertThatThrownBy(() -> Capabilities.driver(caps)).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        }
    }
}
