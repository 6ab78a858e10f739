package io.coffer.repo;

import java.util.List;
import java.util.Map;

/**
 * A {@code manifests/<id>} object: one backup. It names its root tree and describes what was
 * backed up. A backup exists if and only if its manifest exists.
 *
 * @param kind {@code dir} for a directory tree, {@code file} for one file, image or block device
 *     (then the root tree holds exactly that node)
 * @param root metadata of the source directory itself ({@code dir} backups)
 * @param excludes the patterns that left entries out, as given (null: none)
 * @param oneFileSystem true when the backup stayed on the source's file system (else null)
 * @param xattrs true when its nodes record extended attributes, so that a node without them has
 *     none (else null: taken where they could not be read, or before Coffer read them)
 */
public record Manifest(
        int v,
        String time,
        String host,
        String source,
        String kind,
        String parent,
        String tree,
        Node root,
        Map<String, String> tags,
        List<String> excludes,
        Boolean oneFileSystem,
        Boolean xattrs,
        Stats stats) {

    public static final int VERSION = 1;
    public static final String DIR = "dir";
    public static final String FILE = "file";

    public record Stats(
            long files,
            long dirs,
            long others,
            long logicalBytes,
            long bytesRead,
            long filesUnchanged,
            long newBlobs,
            long newRawBytes,
            long newStoredBytes,
            long zeroBytes,
            long durationMs,
            int warnings) {}

    public Manifest {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        excludes = excludes == null || excludes.isEmpty() ? null : List.copyOf(excludes);
        oneFileSystem = Boolean.TRUE.equals(oneFileSystem) ? Boolean.TRUE : null;
        xattrs = Boolean.TRUE.equals(xattrs) ? Boolean.TRUE : null;
    }
}
