package io.coffer.volume;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Clones of files and trees that share extents with the original (XFS with reflink, btrfs):
 * their time goes with the number of extents, not of bytes, and they are copy-on-write afterwards
 * (which fragments the file that is written: a 1 GiB PostgreSQL relation file had 6,000 extents
 * after a minute of pgbench and two clones). Support is probed once per
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

    /**
     * Copies {@code src} (a file or a tree, with modes, owners and times; holes stay holes) to
     * {@code dst}, cloning extents where the filesystem can and copying bytes where it cannot.
     * An existing {@code dst} file is overwritten. Where the filesystem clones, a new {@code dst} is
     * cloned range by range ({@link RangeClones}), so writers of the files wait briefly.
     */
    public static void copyTree(Path src, Path dst) throws IOException {
        if (rangeClones(src, dst)) {
            RangeClones.clone(src, dst, false);
            return;
        }
        Commands.check(List.of("cp", "-a", "--reflink=auto", "--sparse=always", "--", src.toString(), dst.toString()), 24 * 3600);
    }

    /**
     * {@link #copyTree} of a tree that a live program changes: files deleted while the copy runs
     * (temporary files, recycled logs) are not an error. Returns how many vanished.
     */
    public static int copyLiveTree(Path src, Path dst) throws IOException {
        if (rangeClones(src, dst)) return RangeClones.clone(src, dst, true);
        List<String> cmd = List.of("cp", "-a", "--reflink=auto", "--sparse=always", "--", src.toString(), dst.toString());
        return vanished(cmd, Commands.run(cmd, 24 * 3600));
    }

    /**
     * A writable copy of a volume's tree at {@code dst}, which must not exist: a snapshot where the
     * volume is a btrfs subvolume (one instant of it, in constant time), else {@link #copyLiveTree}
     * ({@code live}) or {@link #copyTree}. Returns how many files vanished meanwhile.
     */
    public static int copyVolume(Path volume, Path dst, boolean live) throws IOException {
        if (Subvolumes.snapshotIfSubvolume(volume, dst, false)) return 0;
        if (live) return copyLiveTree(volume, dst);
        copyTree(volume, dst);
        return 0;
    }

    /**
     * How many files vanished under a {@code cp} of a live tree that ended in {@code r}: 0 when it
     * succeeded, the count of its errors when each says a file was gone; any other failure throws.
     */
    static int vanished(List<String> cmd, Commands.Result r) throws IOException {
        if (r.code() == 0) return 0;
        List<String> errors = r.out().lines().filter(l -> !l.isBlank()).toList();
        boolean onlyVanished = !errors.isEmpty() && errors.stream().allMatch(l -> l.endsWith("No such file or directory"));
        if (!onlyVanished) throw new IOException(String.join(" ", cmd) + " failed (exit " + r.code() + "): " + r.out());
        return errors.size();
    }

    /**
     * Whether a copy of {@code src} to {@code dst} is made by {@link RangeClones}: {@code dst} is new,
     * in an existing directory of the same filesystem as {@code src}, and that filesystem clones
     * (across filesystems {@code copy_file_range} would copy bytes and fill holes).
     */
    private static boolean rangeClones(Path src, Path dst) throws IOException {
        Path parent = dst.toAbsolutePath().getParent();
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS) || parent == null || !Files.isDirectory(parent)) return false;
        return sameFilesystem(src, parent) && supported(parent);
    }

    /**
     * True when {@code a} and {@code b} are on one filesystem: the same mount, or the same device
     * (btrfs gives each subvolume a device number of its own, so their stores differ).
     */
    public static boolean sameFilesystem(Path a, Path b) throws IOException {
        FileStore fa = Files.getFileStore(a);
        FileStore fb = Files.getFileStore(b);
        return fa.equals(fb) || (fa.type().equals(fb.type()) && fa.name().equals(fb.name()));
    }

    /**
     * Clones {@code src} (a file or a whole tree, with modes, owners and times) to {@code dst}, which
     * must not exist, range by range ({@link RangeClones}); where the filesystem cannot clone, it fails.
     */
    public static void cloneTree(Path src, Path dst) throws IOException {
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) throw new IOException("clone target " + dst + " already exists");
        if (rangeClones(src, dst)) {
            RangeClones.clone(src, dst, false);
            return;
        }
        Commands.check(List.of("cp", "-a", "--reflink=always", "--", src.toString(), dst.toString()), 3600);
    }
}
