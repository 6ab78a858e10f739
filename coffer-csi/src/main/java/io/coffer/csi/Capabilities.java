package io.coffer.csi;

import csi.v1.Csi;
import java.util.List;
import java.util.Set;

/**
 * What access a volume offers: a mount volume is a Coffer {@code dir} volume (bind-mounted where
 * the CO asks), a block volume a Coffer {@code image} volume (a loop device). Any single-node
 * access mode; volumes live on one node.
 */
final class Capabilities {
    private static final Set<Csi.VolumeCapability.AccessMode.Mode> MODES = Set.of(
            Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER, Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY,
            Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_SINGLE_WRITER, Csi.VolumeCapability.AccessMode.Mode.SINGLE_NODE_MULTI_WRITER);

    private Capabilities() {}

    /** The Coffer driver the capabilities ask for; INVALID_ARGUMENT when they are missing or cannot be met. */
    static String driver(List<Csi.VolumeCapability> caps) {
        if (caps.isEmpty()) throw Grpc.invalid("volume_capabilities is required");
        String problem = problem(caps, null);
        if (problem != null) throw Grpc.invalid(problem);
        return caps.get(0).hasBlock() ? "image" : "dir";
    }

    /** Why {@code caps} cannot be met by a volume of {@code driver} (null: any), or null when they can. */
    static String problem(List<Csi.VolumeCapability> caps, String driver) {
        Boolean block = null;
        for (Csi.VolumeCapability c : caps) {
            if (!c.hasBlock() && !c.hasMount()) return "a volume capability needs an access type, mount or block";
            if (!c.hasAccessMode() || c.getAccessMode().getMode() == Csi.VolumeCapability.AccessMode.Mode.UNKNOWN) {
                return "a volume capability needs an access mode";
            }
            if (!MODES.contains(c.getAccessMode().getMode())) {
                return "access mode " + c.getAccessMode().getMode() + " is not offered: a volume lives on one node (use a SINGLE_NODE mode)";
            }
            if (block != null && block != c.hasBlock()) return "a volume is either mount or block, not both";
            block = c.hasBlock();
        }
        if (driver != null && block != null && block != driver.equals("image")) {
            return "the volume is a " + kind(driver) + " volume, not a " + (block ? "block" : "mount") + " one";
        }
        return null;
    }

    static String kind(String driver) {
        return driver.equals("image") ? "block" : "mount";
    }
}
