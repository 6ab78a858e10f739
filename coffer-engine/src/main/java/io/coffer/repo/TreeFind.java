package io.coffer.repo;

import io.coffer.sys.FileNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of backups that match patterns ({@link PathPatterns}: a name at any depth, or a path
 * from the backup's top). A tree holds the same entries in every backup that shares it, so each
 * distinct tree is searched once, whatever the number of backups: its matches, relative to it,
 * are remembered and prefixed for each place it appears.
 */
public final class TreeFind {
    /** One match: its path from the backup's top ('/'-separated, for people) and its node. */
    public record Match(String path, Node node) {}

    private final Repository repo;
    private final PathPatterns patterns;
    private final boolean byPath;
    /** Matches below a tree (relative to it), for patterns that match names only; path patterns depend on where a tree is. */
    private final Map<String, List<Match>> byTree = new HashMap<>();

    public TreeFind(Repository repo, PathPatterns patterns) {
        this.repo = repo;
        this.patterns = patterns;
        this.byPath = patterns.anyPath();
    }

    /** The matches in backup {@code m}, in path order. */
    public List<Match> in(Manifest m) throws IOException {
        return search(m.tree(), "", Path.of(""));
    }

    private List<Match> search(String treeId, String prefix, Path rel) throws IOException {
        if (!byPath) {
            List<Match> cached = byTree.get(treeId);
            if (cached == null) {
                cached = scan(treeId, "", Path.of(""));
                byTree.put(treeId, cached);
            }
            if (prefix.isEmpty()) return cached;
            List<Match> out = new ArrayList<>(cached.size());
            for (Match x : cached) out.add(new Match(prefix + "/" + x.path(), x.node()));
            return out;
        }
        return scan(treeId, prefix, rel);
    }

    private List<Match> scan(String treeId, String prefix, Path rel) throws IOException {
        List<Match> out = new ArrayList<>();
        for (Node n : repo.readTree(treeId).nodes()) {
            String shown = FileNames.display(n.name());
            String p = prefix.isEmpty() ? shown : prefix + "/" + shown;
            Path r = rel.resolve(FileNames.logical(n.name()));
            if (patterns.matches(r, n.isDir())) out.add(new Match(p, n));
            if (n.isDir()) out.addAll(search(n.subtree(), p, r));
        }
        return out;
    }
}
