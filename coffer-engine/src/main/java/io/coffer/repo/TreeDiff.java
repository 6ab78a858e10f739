package io.coffer.repo;

import io.coffer.sys.FileNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What changed between two backups: entries added, removed, changed in content, type or metadata.
 * Both trees are walked side by side, and a directory whose listing is the same blob in both is
 * not read at all (nothing below it changed), so a diff of two backups that differ little costs
 * little. Entries of a directory added or removed as a whole are each listed.
 */
public final class TreeDiff {
    /** The kinds of change, as {@code repo diff} shows them (restic's letters). */
    public enum Kind {
        /** only in the second backup */
        ADDED("+"),
        /** only in the first */
        REMOVED("-"),
        /** a file's content (its chunk list), or a symlink's target */
        MODIFIED("M"),
        /** file, directory, symlink… became another kind */
        TYPE("T"),
        /** only mode, owner, mtime, device numbers or extended attributes */
        METADATA("U");

        public final String letter;

        Kind(String letter) {
            this.letter = letter;
        }
    }

    /**
     * One change. {@code path} is relative to the backups' roots, '/'-separated, for people ({@link
     * FileNames#display}); {@code what} names the metadata that changed ({@link Kind#METADATA}).
     */
    public record Change(Kind kind, String path, Node before, Node after, List<String> what) {}

    /** Counts per kind, and the logical bytes of the files added and removed. */
    public record Summary(long added, long removed, long modified, long typeChanged, long metadata, long bytesAdded, long bytesRemoved) {}

    @FunctionalInterface
    public interface Visitor {
        void change(Change c) throws IOException;
    }

    private final Repository repo;
    private final Visitor visitor;
    private long added, removed, modified, typeChanged, metadata, bytesAdded, bytesRemoved;

    private TreeDiff(Repository repo, Visitor visitor) {
        this.repo = repo;
        this.visitor = visitor;
    }

    /** Compares backup {@code a} with backup {@code b} (full ids); each change goes to {@code visitor}, in path order. */
    public static Summary compare(Repository repo, String a, String b, Visitor visitor) throws IOException {
        Manifest ma = repo.loadManifest(a), mb = repo.loadManifest(b);
        TreeDiff d = new TreeDiff(repo, visitor);
        d.trees(ma.tree(), mb.tree(), "");
        return new Summary(d.added, d.removed, d.modified, d.typeChanged, d.metadata, d.bytesAdded, d.bytesRemoved);
    }

    private void trees(String a, String b, String path) throws IOException {
        if (Objects.equals(a, b)) return; // the same listing: nothing below differs
        Map<String, Node> left = byName(a == null ? List.of() : repo.readTree(a).nodes());
        Map<String, Node> right = byName(b == null ? List.of() : repo.readTree(b).nodes());
        TreeMap<String, Boolean> names = new TreeMap<>();
        for (String n : left.keySet()) names.put(n, true);
        for (String n : right.keySet()) names.put(n, true);
        for (String name : names.keySet()) {
            Node x = left.get(name), y = right.get(name);
            String p = path.isEmpty() ? FileNames.display(name) : path + "/" + FileNames.display(name);
            if (x == null) {
                whole(Kind.ADDED, p, y);
            } else if (y == null) {
                whole(Kind.REMOVED, p, x);
            } else if (!x.type().equals(y.type())) {
                typeChanged++;
                visitor.change(new Change(Kind.TYPE, p, x, y, List.of()));
                if (x.isDir()) below(Kind.REMOVED, p, x.subtree());
                if (y.isDir()) below(Kind.ADDED, p, y.subtree());
            } else {
                boolean content = x.isFile() ? !Objects.equals(x.content(), y.content())
                        : Node.SYMLINK.equals(x.type()) && !Objects.equals(x.target(), y.target());
                List<String> what = metadata(x, y);
                if (content) {
                    modified++;
                    visitor.change(new Change(Kind.MODIFIED, p, x, y, what));
                } else if (!what.isEmpty()) {
                    metadata++;
                    visitor.change(new Change(Kind.METADATA, p, x, y, what));
                }
                if (x.isDir()) trees(x.subtree(), y.subtree(), p);
            }
        }
    }

    /** An entry added or removed, and everything below it. */
    private void whole(Kind kind, String path, Node n) throws IOException {
        if (kind == Kind.ADDED) {
            added++;
            if (n.isFile() && n.size() != null) bytesAdded += n.size();
        } else {
            removed++;
            if (n.isFile() && n.size() != null) bytesRemoved += n.size();
        }
        visitor.change(new Change(kind, path, kind == Kind.REMOVED ? n : null, kind == Kind.ADDED ? n : null, List.of()));
        if (n.isDir()) below(kind, path, n.subtree());
    }

    private void below(Kind kind, String path, String subtree) throws IOException {
        for (Node c : repo.readTree(subtree).nodes()) whole(kind, path + "/" + FileNames.display(c.name()), c);
    }

    /** The metadata that differs, by name (a file's size goes with its content). */
    static List<String> metadata(Node x, Node y) {
        List<String> what = new ArrayList<>(2);
        if (!Objects.equals(x.mode(), y.mode())) what.add("mode");
        if (!Objects.equals(x.uid(), y.uid()) || !Objects.equals(x.gid(), y.gid())) what.add("owner");
        if (!Objects.equals(x.mtime(), y.mtime())) what.add("mtime");
        if (!Objects.equals(x.rdev(), y.rdev())) what.add("device");
        if (!Objects.equals(x.xattrs(), y.xattrs())) what.add("xattrs");
        return what;
    }

    private static Map<String, Node> byName(List<Node> nodes) {
        Map<String, Node> m = new TreeMap<>();
        for (Node n : nodes) m.put(n.name(), n);
        return m;
    }
}
