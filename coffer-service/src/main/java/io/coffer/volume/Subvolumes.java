package io.coffer.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * btrfs subvolumes. On btrfs a {@code dir} volume is a subvolume of its own, so that a snapshot of
 * it is a read-only subvolume snapshot and a volume made from that snapshot a writable one: each
 * one instant of the whole volume (crash-consistent with nothing frozen) and made in constant time
 * whatever the volume holds, where a reflink clone takes time with every extent of every file.
 * Through Debian's {@code btrfs-progs}; where the tool is missing, volumes are plain directories
 * and snapshots reflink clones, as on XFS.
 */
public final class Subvolumes {
    /** The inode of every subvolume's root directory on btrfs ({@code BTRFS_FIRST_FREE_OBJECTID}). */
    private static final long ROOT_INODE = 256;
    private static final String TOOL = "btrfs";

    private Subvolumes() {}

    /** True when subvolumes can be made in {@code dir}: it is on btrfs and the tool is there. */
    public static boolean supported(Path dir) throws IOException {
        return onBtrfs(dir) && Files.isExecutable(Path.of(Commands.locate(TOOL)));
    }

    static boolean onBtrfs(Path p) throws IOException {
        return "btrfs".equals(Files.getFileStore(p).type());
    }

    /** True when {@code p} is the root directory of a btrfs subvolume (and the tool is there to handle it). */
    public static boolean isSubvolume(Path p) throws IOException {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && supported(p) && isRoot(p);
    }

    /** {@code p}, a directory on btrfs, is a subvolume's root. */
    static boolean isRoot(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue() == ROOT_INODE;
    }

    /** Makes {@code p}, which must not exist, an empty subvolume. */
    public static void create(Path p) throws IOException {
        Commands.check(List.of(TOOL, "subvolume", "create", p.toString()), 120);
    }

    /**
     * Makes {@code dst}, which must not exist, a snapshot of the subvolume {@code src}: one instant of
     * it, read-only or writable.
     */
    public static void snapshot(Path src, Path dst, boolean readOnly) throws IOException {
        if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) throw new IOException("snapshot target " + dst + " already exists");
        List<String> cmd = new ArrayList<>(List.of(TOOL, "subvolume", "snapshot"));
        if (readOnly) cmd.add("-r");
        cmd.addAll(List.of(src.toString(), dst.toString()));
        Commands.check(cmd, 600);
    }

    /**
     * Makes {@code dst} a snapshot of {@code src} when {@code src} is a subvolume and {@code dst}
     * would be on its filesystem; false (nothing made) otherwise, for the caller to copy instead.
     */
    public static boolean snapshotIfSubvolume(Path src, Path dst, boolean readOnly) throws IOException {
        Path parent = dst.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent) || !isSubvolume(src) || !Reflinks.sameFilesystem(src, parent)) return false;
        snapshot(src, dst, readOnly);
        return true;
    }

    /** Deletes the subvolume {@code p} with all it holds, read-only or not. */
    static void delete(Path p) throws IOException {
        Commands.check(List.of(TOOL, "subvolume", "delete", p.toString()), 600);
    }
}
