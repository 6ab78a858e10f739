package io.coffer.repo;

import io.coffer.sys.FileNames;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Depth-first walk over a backup's trees. */
public final class TreeWalker {
    /** Called for every node; {@code path} is relative to the backup root, '/'-separated. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String path, Node node) throws IOException;
    }

    /** Called when a tree cannot be read; the walk continues with the next sibling. */
    @FunctionalInterface
    public interface TreeError {
        void failed(String path, String treeId, RuntimeException e);
    }

    private TreeWalker() {}

    /**
     * The node at {@code path} ('/'-separated, names as {@code ls} shows them, see {@link
     * Tree#child}) below the tree {@code treeId}; a path that is not there is a NOT_FOUND error
     * that names the missing part.
     */
    public static Node find(Repository repo, String treeId, String path) throws IOException {
        String[] parts = path.replaceAll("^/+|/+$", "").split("/+");
        Tree tree = repo.readTree(treeId);
        Node n = null;
        for (int i = 0; i < parts.length; i++) {
            n = tree.child(parts[i]);
            if (n == null) throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "path " + path + " is not in the backup (no '" + parts[i] + "')");
            if (i < parts.length - 1) {
                if (!n.isDir()) throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "path " + path + ": '" + parts[i] + "' is not a directory");
                tree = repo.readTree(n.subtree());
            }
        }
        return n;
    }

    /**
     * Walks the tree {@code treeId}. If {@code seen} is not null, trees already in it are skipped
     * (each distinct tree is visited once across many backups).
     */
    public static void walk(Repository repo, String treeId, String path, Set<String> seen, Visitor v, TreeError onError) throws IOException {
        walk(repo, treeId, path, seen, v, onError, null);
    }

    /**
     * Like {@link #walk(Repository, String, String, Set, Visitor, TreeError)}; {@code onRefs}, if
     * not null, gets the blobs each tree read was stored against (they must stay as long as it).
     */
    public static void walk(Repository repo, String treeId, String path, Set<String> seen, Visitor v, TreeError onError,
            Consumer<List<BlobId>> onRefs) throws IOException {
        if (seen != null && !seen.add(treeId)) return;
        Repository.TreeRead t;
        try {
            t = repo.readTreeWithRef(treeId);
        } catch (RepositoryException e) {
            if (onError == null) throw e;
            onError.failed(path, treeId, e);
            return;
        }
        if (onRefs != null && !t.blob().chain().isEmpty()) onRefs.accept(t.blob().chain());
        for (Node n : t.tree().nodes()) {
            String name = FileNames.display(n.name());
            String p = path.isEmpty() ? name : path + "/" + name;
            v.visit(p, n);
            if (n.isDir()) walk(repo, n.subtree(), p, seen, v, onError, onRefs);
        }
    }
}
