package io.coffer.volume;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clones of files and trees that share extents with the original (XFS with reflink, btrfs):
 * instant whatever the size, and copy-on-write afterwards. Support is probed once per
 * filesystem by cloning a small file.
 */
public final class Reflinks {
    private static final Map<FileStore, Boolean> PROBED = new ConcurrentHashMap<>();

    private Reflinks() {}

    /** True when files under {@code dir} can be cloned. */
    public static boolean supported(Path dir) throws IOException {
        FileStore fs = Files.getFileStore(dir);
        Boolean known = PROBED.get(fs);
        if (known != null) return known;
        Path a = Files.createTempFile(dir, ".reflink-probe", ".a");
        Path b = a.resolveSibling(a.getFileName() + ".b");
        try {
            Files.write(a, new byte[4096]);
            boolean ok = Commands.run(List.of("cp", "--reflink=always", a.toString(), b.toString()), 30).code() == 0;
            PROBED.put(fs, ok);
            return ok;
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    /** Clones {@code src} (a file or a whole tree, with modes, owners and times) to {@code dst}, which must not exist. */
    public static void cloneTree(Path src, Path dst) throws IOException {
        if (Files.exists(dst)) throw new IOException("clone target " + dst + " already exists");
        Commands.check(List.of("cp", "-a", "--reflink=always", "--", src.toString(), dst.toString()), 3600);
    }
}
