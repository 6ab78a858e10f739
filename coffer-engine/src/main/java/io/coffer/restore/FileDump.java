package io.coffer.restore;

import io.coffer.repo.BlobId;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Tree;
import io.coffer.repo.TreeWalker;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One file of a backup written to a stream (standard output, for {@code repo dump}), each blob
 * verified as it is read, holes as zeros. Output already written stays written when a later blob
 * turns out damaged: the exception that follows names it, and the exit code says so.
 */
public final class FileDump {
    private static final byte[] ZEROS = new byte[64 * 1024];

    private FileDump() {}

    /**
     * The file node at {@code path} ('/'-separated, names as {@code ls} shows them); for a backup of
     * one file, a null or empty path means that file. A directory or anything but a file is refused
     * with a message that says what to do instead.
     */
    public static Node find(Repository repo, Manifest m, String path) throws IOException {
        String p = path == null ? "" : path.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) {
            Tree tree = repo.readTree(m.tree());
            if (Manifest.FILE.equals(m.kind()) && tree.nodes().size() == 1) return tree.nodes().get(0);
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "name the file to write: this backup is of a directory (see repo ls)");
        }
        Node n = TreeWalker.find(repo, m.tree(), p);
        if (n.isDir()) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT,
                    path + " is a directory: restore it with repo restore --path " + path + " ID TARGET");
        }
        if (!n.isFile()) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, path + " is a " + n.type() + ", not a file");
        return n;
    }

    /** Writes the file's bytes to {@code out}; returns how many. */
    public static long write(Repository repo, Node file, OutputStream out) throws IOException {
        Repository.LastGroup last = new Repository.LastGroup();
        long[] n = {0};
        repo.forEachChunk(file, ref -> {
            if (Node.isZero(ref)) {
                for (long left = Node.zeroLength(ref); left > 0; ) {
                    int k = (int) Math.min(left, ZEROS.length);
                    out.write(ZEROS, 0, k);
                    left -= k;
                    n[0] += k;
                }
            } else {
                byte[] b = repo.readBlob(BlobId.parse(ref), last);
                out.write(b);
                n[0] += b.length;
            }
        });
        out.flush();
        return n[0];
    }
}
