package io.coffer.backup;

import io.coffer.repo.Node;
import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/** The stat(2) fields Coffer records, read with fstatat(2) or through the JDK's "unix" attribute view. */
record FileMeta(String type, int mode, int uid, int gid, long mtime, long ctime, long inode, long dev, long rdev, int nlink, long size) {
    private static final String ATTRS = "unix:mode,ino,dev,rdev,nlink,uid,gid,ctime,size,lastModifiedTime";
    static final String SOCKET = "socket";

    /**
     * The entry {@code name} of {@code dir}, stat'ed relative to {@code dirFd} (from {@link
     * io.coffer.sys.Posix#openDirectory}) when that works, else through the JDK; {@code st} is the
     * caller's buffer of {@link io.coffer.sys.Posix#STAT_LONGS} longs.
     */
    static FileMeta readAt(int dirFd, Path dir, String name, long[] st) throws IOException {
        if (!Posix.statAt(dirFd, name, st)) return read(FileNames.resolve(dir, name));
        int mode = Posix.Stat.mode(st);
        return new FileMeta(typeOf(mode), mode & 07777, Posix.Stat.uid(st), Posix.Stat.gid(st),
                Posix.Stat.mtime(st), Posix.Stat.ctime(st), Posix.Stat.ino(st),
                Posix.Stat.dev(st), Posix.Stat.rdev(st), Posix.Stat.nlink(st), Posix.Stat.size(st));
    }

    static FileMeta read(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        return new FileMeta(typeOf(mode), mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")),
                (Long) a.get("ino"), (Long) a.get("dev"), (Long) a.get("rdev"), (Integer) a.get("nlink"), (Long) a.get("size"));
    }

    static String typeOf(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> Node.FILE;
            case 0040000 -> Node.DIR;
            case 0120000 -> Node.SYMLINK;
            case 0010000 -> Node.FIFO;
            case 0020000 -> Node.CHARDEV;
            case 0060000 -> Node.BLOCKDEV;
            case 0140000 -> SOCKET;
            default -> "unknown";
        };
    }

    static long nanos(FileTime t) {
        var i = t.toInstant();
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    Node toNode(String name) {
        boolean dev = type.equals(Node.CHARDEV) || type.equals(Node.BLOCKDEV);
        String link = type.equals(Node.FILE) && nlink > 1 ? this.dev + ":" + inode : null;
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, type.equals(Node.FILE) ? size : null,
                null, null, null, null, dev ? rdev : null, link);
    }
}
