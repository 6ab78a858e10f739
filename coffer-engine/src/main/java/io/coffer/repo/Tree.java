package io.coffer.repo;

import io.coffer.sys.FileNames;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A directory listing, stored as a JSON tree blob. Nodes are sorted by name, names are unique. */
public record Tree(int v, List<Node> nodes) {
    public static final int VERSION = 1;

    public Tree {
        nodes = List.copyOf(nodes);
    }

    public static Tree of(List<Node> nodes) {
        return new Tree(VERSION, nodes);
    }

    private static boolean base64(String s) {
        try {
            java.util.Base64.getDecoder().decode(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The node {@code name}, or the one whose name {@code ls} shows so (its bytes that are not UTF-8 as \xHH); null when none. */
    public Node child(String name) {
        for (Node n : nodes) if (n.name().equals(name)) return n;
        for (Node n : nodes) if (FileNames.display(n.name()).equals(name)) return n;
        return null;
    }

    /** Validates a decoded tree: version, safe and unique names, consistent node kinds. */
    Tree validate(String where) {
        if (v != VERSION) throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED, where + " has tree version " + v);
        Set<String> seen = new HashSet<>();
        for (Node n : nodes) {
            Node.checkName(where, n.name());
            if (!seen.add(n.name())) throw new CorruptObjectException(where, "duplicate name '" + n.name() + "'");
            if (n.type() == null) throw new CorruptObjectException(where, "node '" + n.name() + "' has no type");
            if (n.xattrs() != null) {
                for (var x : n.xattrs().entrySet()) {
                    if (x.getKey().isEmpty() || x.getKey().indexOf('\0') >= 0 || x.getValue() == null || !base64(x.getValue())) {
                        throw new CorruptObjectException(where, "node '" + n.name() + "' has a bad extended attribute '" + x.getKey() + "'");
                    }
                }
            }
            switch (n.type()) {
                case Node.FILE -> {
                    if (n.content() == null || n.size() == null) throw new CorruptObjectException(where, "file '" + n.name() + "' has no content list");
                    long sum = 0;
                    boolean listed = ChunkLists.listed(n.content());
                    for (String ref : n.content()) {
                        if (ref.isEmpty()) throw new CorruptObjectException(where, "file '" + n.name() + "' has an empty chunk reference");
                        if (listed != ChunkLists.isList(ref)) throw new CorruptObjectException(where, "file '" + n.name() + "' mixes chunk lists and chunks");
                        String id = listed ? ChunkLists.listId(ref) : ref;
                        if (Node.isZero(ref)) sum += Node.zeroLength(ref);
                        else if (id.length() != 64 || !Hex.isHex(id)) throw new CorruptObjectException(where, "file '" + n.name() + "' has a bad chunk reference");
                    }
                    if (n.size() < 0) throw new CorruptObjectException(where, "file '" + n.name() + "' has a negative size");
                }
                case Node.DIR -> {
                    if (n.subtree() == null || n.subtree().length() != 64 || !Hex.isHex(n.subtree())) {
                        throw new CorruptObjectException(where, "directory '" + n.name() + "' has no valid subtree id");
                    }
                }
                case Node.SYMLINK -> {
                    if (n.target() == null || n.target().isEmpty() || n.target().indexOf('\0') >= 0) {
                        throw new CorruptObjectException(where, "symlink '" + n.name() + "' has no valid target");
                    }
                }
                case Node.FIFO, Node.CHARDEV, Node.BLOCKDEV -> { }
                default -> throw new CorruptObjectException(where, "node '" + n.name() + "' has unknown type '" + n.type() + "'");
            }
        }
        return this;
    }
}
