package io.coffer.backup;

import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A file's extended attributes as a node records them: every name the kernel lists (user
 * attributes, ACLs as {@code system.posix_acl_*}, SELinux labels and file capabilities as {@code
 * security.*}, and {@code trusted.*} for root), each value in base64.
 */
final class Xattrs {
    private Xattrs() {}

    /** Whether this runtime can read them (the foreign-function API: Java 22+ on Linux). */
    static boolean supported() {
        return Posix.xattrs();
    }

    /** Those of {@code p} (not following a symlink); null when it has none or they cannot be listed. */
    static Map<String, String> read(Path p, Consumer<String> warn) {
        List<byte[]> names = Posix.listXattrs(p);
        if (names == null || names.isEmpty()) return null;
        Map<String, String> m = new TreeMap<>();
        for (byte[] n : names) {
            String name = FileNames.decode(n);
            if (FileNames.escaped(name)) {
                warn.accept("extended attribute " + FileNames.display(name) + " of " + p + " has a name that is not UTF-8 (skipped)");
                continue;
            }
            byte[] v = Posix.getXattr(p, n);
            if (v == null) {
                warn.accept("cannot read extended attribute " + name + " of " + p + " (skipped)");
                continue;
            }
            m.put(name, Base64.getEncoder().encodeToString(v));
        }
        return m;
    }
}
