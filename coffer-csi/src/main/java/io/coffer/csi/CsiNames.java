package io.coffer.csi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How CSI's names and the sidecars' metadata become Coffer's: the CSI name is kept in a label
 * (what idempotency looks up), and becomes the Coffer name when Coffer allows it, else a name
 * derived from it. The PVC and VolumeSnapshot names and namespaces the sidecars pass with
 * {@code --extra-create-metadata} become labels too.
 */
final class CsiNames {
    /** The label holding the CSI name a volume or snapshot was created with. */
    static final String NAME = "csi.coffer.io/name";
    private static final Pattern COFFER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
    /** The parameters the sidecars add, and the labels they become. */
    private static final Map<String, String> METADATA = Map.of(
            "csi.storage.k8s.io/pvc/name", "kubernetes.io/pvc-name",
            "csi.storage.k8s.io/pvc/namespace", "kubernetes.io/pvc-namespace",
            "csi.storage.k8s.io/pv/name", "kubernetes.io/pv-name",
            "csi.storage.k8s.io/volumesnapshot/name", "kubernetes.io/volumesnapshot-name",
            "csi.storage.k8s.io/volumesnapshot/namespace", "kubernetes.io/volumesnapshot-namespace",
            "csi.storage.k8s.io/volumesnapshotcontent/name", "kubernetes.io/volumesnapshotcontent-name");

    private CsiNames() {}

    /** The Coffer name for CSI name {@code csi}: itself when Coffer allows it, else {@code csi-} and a digest of it. */
    static String cofferName(String prefix, String csi) {
        if (COFFER_NAME.matcher(csi).matches()) return csi;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(csi.getBytes(StandardCharsets.UTF_8));
            return prefix + "-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The labels of a new volume or snapshot: the CSI name and the sidecars' metadata; any other
     * parameter not in {@code known} is refused, so that a typo in a class is not silently ignored.
     */
    static Map<String, String> labels(String csiName, Map<String, String> parameters, java.util.Set<String> known) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, csiName);
        for (var e : parameters.entrySet()) {
            String label = METADATA.get(e.getKey());
            if (label != null) {
                labels.put(label, e.getValue());
            } else if (!known.contains(e.getKey())) {
                throw Grpc.invalid("parameter '" + e.getKey() + "' is not known to " + IdentityService.DRIVER + (known.isEmpty() ? " (it takes none here)" : "; it takes " + known));
            }
        }
        return labels;
    }
}
