package io.coffer.repo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One entry of a directory listing (a tree blob), with the metadata needed to restore it.
 * Times are nanoseconds since the epoch. {@code content} lists a file's chunks in order: a
 * 64-hex blob id, or {@code z<length>} for a run of zero bytes that is not stored and restores
 * as a hole. {@code chunking} is {@code cdc} or {@code fixed:<block size>}. {@code link} groups
 * hard links ({@code <dev>:<inode>}). {@code xattrs} holds the extended attributes (ACLs, SELinux
 * labels, file capabilities and user attributes are all such), name to value in base64, sorted by
 * name; null when there are none. {@code allocated} is true for a file that had zero runs and no
 * holes: every byte of it was allocated on disk (PostgreSQL's zero-filled WAL segments and
 * {@code pg_subtrans} pages are so, that a later write cannot fail for want of space), and a
 * restore allocates its zero runs again instead of leaving them as holes; null for a file with
 * holes, one without zero runs, and in backups made before it was recorded. {@code extents} is
 * the allocation of a file that has holes and zero runs: its data extents as the file system
 * reported them, start and end offsets in pairs, in order; a restore allocates them again, so
 * that a file with both holes and allocated zeros comes back with both. Null for every other
 * file, and for a file of more than {@link #MAX_EXTENTS} extents (its zero runs restore as holes).
 */
public record Node(
        String name,
        String type,
        Integer mode,
        Integer uid,
        Integer gid,
        Long mtime,
        Long ctime,
        Long inode,
        Long size,
        String chunking,
        List<String> content,
        String subtree,
        String target,
        Long rdev,
        String link,
        Map<String, String> xattrs,
        Boolean allocated,
        List<Long> extents) {

    /** The most extents recorded for one file: a file cut into more restores its zero runs as holes. */
    public static final int MAX_EXTENTS = 4096;

    public static final String FILE = "file";
    public static final String DIR = "dir";
    public static final String SYMLINK = "symlink";
    public static final String FIFO = "fifo";
    public static final String CHARDEV = "chardev";
    public static final String BLOCKDEV = "blockdev";

    public Node {
        if (content != null) content = List.copyOf(content);
        if (extents != null) extents = List.copyOf(extents);
        xattrs = xattrs == null || xattrs.isEmpty() ? null : Collections.unmodifiableSortedMap(new TreeMap<>(xattrs));
    }

    /** A node without extended attributes, as most are. */
    public Node(String name, String type, Integer mode, Integer uid, Integer gid, Long mtime, Long ctime, Long inode, Long size,
            String chunking, List<String> content, String subtree, String target, Long rdev, String link) {
        this(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, null, null, null);
    }

    /** A node with extended attributes, allocation not recorded. */
    public Node(String name, String type, Integer mode, Integer uid, Integer gid, Long mtime, Long ctime, Long inode, Long size,
            String chunking, List<String> content, String subtree, String target, Long rdev, String link, Map<String, String> xattrs) {
        this(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, xattrs, null, null);
    }

    /**
     * True when both nodes encode the same in a tree blob: every field equal. Written out, not the
     * record's generated equals (a method-handle chain that costs the JIT more); a new field must
     * be added here too (NodeTest checks every component).
     */
    public boolean sameAs(Node o) {
        return Objects.equals(name, o.name) && Objects.equals(type, o.type) && Objects.equals(mode, o.mode)
                && Objects.equals(uid, o.uid) && Objects.equals(gid, o.gid) && Objects.equals(mtime, o.mtime)
                && Objects.equals(ctime, o.ctime) && Objects.equals(inode, o.inode) && Objects.equals(size, o.size)
                && Objects.equals(chunking, o.chunking) && Objects.equals(content, o.content)
                && Objects.equals(subtree, o.subtree) && Objects.equals(target, o.target)
                && Objects.equals(rdev, o.rdev) && Objects.equals(link, o.link) && Objects.equals(xattrs, o.xattrs)
                && Objects.equals(allocated, o.allocated) && Objects.equals(extents, o.extents);
    }

    @JsonIgnore
    public boolean isFile() {
        return FILE.equals(type);
    }

    @JsonIgnore
    public boolean isDir() {
        return DIR.equals(type);
    }

    public Node withSubtree(String id) {
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, id, target, rdev, link, xattrs, allocated, extents);
    }

    public Node withXattrs(Map<String, String> x) {
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, x, allocated, extents);
    }

    public Node withContent(String chunking, List<String> content, long size) {
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, xattrs, allocated, extents);
    }

    /**
     * This file with its allocation recorded: {@code a} true when it had no holes, or the data
     * {@code e}xtents of a file with holes; both null when there is nothing to record.
     */
    public Node withAllocation(Boolean a, List<Long> e) {
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, xattrs, a, e);
    }

    /** True when a chunk reference denotes a zero run; {@link #zeroLength} gives its length. */
    public static boolean isZero(String ref) {
        return ref.charAt(0) == 'z';
    }

    public static int zeroLength(String ref) {
        return Integer.parseInt(ref, 1, ref.length(), 10);
    }

    /** Checks that a name is one safe path component. */
    public static void checkName(String where, String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new RepositoryException(RepositoryException.Kind.CORRUPT,
                    where + " contains an unsafe name '" + name + "' (empty, '.', '..' or with '/'); refusing to restore it");
        }
    }
}
