package io.coffer.restore;

import io.coffer.repo.Node;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Applies a node's owner, mode, mtime and extended attributes to a restored path (owner only when running as root). */
final class Metadata {
    static final boolean ROOT = isRoot();
    private static final int UID = processId("unix:uid");
    private static final int GID = processId("unix:gid");

    private static int processId(String attr) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), attr);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private Metadata() {}

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static void apply(Path p, Node n) throws IOException {
        apply(p, n, false);
    }

    /** A missing mode, uid or gid; a missing mtime is {@link #NO_TIME}. */
    static final int NONE = -1;
    static final long NO_TIME = Long.MIN_VALUE;

    /**
     * {@code created}: this restore just created {@code p} in a directory it created, so its owner is
     * already this process's uid and gid, and chown can be skipped when the node has the same.
     */
    static void apply(Path p, Node n, boolean created) throws IOException {
        apply(p, n.type(), n.mode() == null ? NONE : n.mode(), n.uid() == null || n.gid() == null ? NONE : n.uid(),
                n.uid() == null || n.gid() == null ? NONE : n.gid(), n.mtime() == null ? NO_TIME : n.mtime(), n.xattrs(), created);
    }

    /**
     * The same from plain values: {@link #NONE} and {@link #NO_TIME} for what the node lacks, null
     * {@code xattrs} for none. Extended attributes come after the owner (chown clears a file's
     * capabilities) and the mode (an ACL's mask then stays as saved), and do not change the mtime;
     * one that cannot be set (not permitted, not supported here) is named in the IOException
     * thrown once everything else is done.
     */
    static void apply(Path p, String type, int mode, int uid, int gid, long mtime, Map<String, String> xattrs, boolean created) throws IOException {
        boolean link = Node.SYMLINK.equals(type);
        boolean sameOwner = created && uid == UID && gid == GID;
        if (ROOT && uid != NONE && gid != NONE && !sameOwner) {
            Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
        // chmod by path: with NOFOLLOW_LINKS the JDK opens the file first, which blocks on a fifo.
        // p is never a symlink here (symlinks have no mode of their own), so following is safe.
        if (!link && mode != NONE) Files.setAttribute(p, "unix:mode", mode);
        boolean special = Node.FIFO.equals(type) || Node.CHARDEV.equals(type) || Node.BLOCKDEV.equals(type);
        // utimensat by path, one call (the JDK opens the file, sets the times on the descriptor and
        // closes it: three, for each of a restore's files); the access time is set to now, as
        // the restore just wrote the file. Without the foreign-function API, the ways below.
        if (mtime == NO_TIME || !Posix.utimens(p, System.currentTimeMillis() * 1_000_000L, mtime)) times(p, mtime, special);
        if (xattrs != null) xattrs(p, xattrs);
    }

    private static void times(Path p, long mtime, boolean special) throws IOException {
        if (mtime != NO_TIME && special) {
            // the JDK opens a file to set its times, which blocks on a fifo: use touch(1) instead
            long s = Math.floorDiv(mtime, 1_000_000_000L), ns = Math.floorMod(mtime, 1_000_000_000L);
            SpecialEntries.run("touch", "--no-dereference", "-m", "-d", "@" + s + "." + String.format("%09d", ns), p.toString());
        } else if (mtime != NO_TIME) {
            FileTime t = FileTime.from(mtime, TimeUnit.NANOSECONDS);
            // the access time is set too (to now, as the restore just wrote the file): with only
            // one of the two, the JDK reads the file's attributes first, one more call per file
            FileTime now = FileTime.from(java.time.Instant.now());
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, now, null);
        }
    }

    private static void xattrs(Path p, Map<String, String> xattrs) throws IOException {
        List<String> failed = new ArrayList<>();
        for (Map.Entry<String, String> x : xattrs.entrySet()) {
            byte[] value;
            try {
                value = Base64.getDecoder().decode(x.getValue());
            } catch (IllegalArgumentException e) {
                failed.add(x.getKey());
                continue;
            }
            if (!Posix.setXattr(p, x.getKey().getBytes(StandardCharsets.UTF_8), value)) failed.add(x.getKey());
        }
        if (!failed.isEmpty()) {
            throw new IOException("cannot set extended attribute(s) " + String.join(", ", failed)
                    + (Posix.xattrs() ? " (not permitted, or not supported by this file system)" : " (this Java lacks the foreign-function API: run Coffer on Java 22+)"));
        }
    }
}
