package io.coffer.cli;

import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeWalker;
import io.coffer.sys.FileNames;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "ls", description = "List backups, or the files of one backup.")
final class RepoLsCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Backup whose files to list.")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "List only this path of the backup and what is below it.")
    String path;

    @Override
    public Integer call() throws IOException {
        try (Repository repo = r.open()) {
            if (id == null) {
                List<Map<String, Object>> rows = new ArrayList<>();
                Repository.Manifests all = repo.manifests();
                for (var e : all.readable().entrySet()) {
                    String mid = e.getKey();
                    Manifest m = e.getValue();
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", mid);
                    row.put("time", m.time());
                    row.put("host", m.host());
                    row.put("source", m.source());
                    row.put("kind", m.kind());
                    row.put("parent", m.parent());
                    row.put("files", m.stats().files());
                    row.put("size", m.stats().logicalBytes());
                    row.put("tags", m.tags());
                    if (m.excludes() != null) row.put("excludes", m.excludes());
                    if (m.oneFileSystem() != null) row.put("oneFileSystem", true);
                    rows.add(row);
                }
                rows.sort((a, b) -> ((String) a.get("time")).compareTo((String) b.get("time")));
                if (r.json) {
                    Output.json(rows);
                } else {
                    System.out.printf("%-12s  %-19s  %-4s  %9s  %10s  %s%n", "ID", "TIME (UTC)", "KIND", "FILES", "SIZE", "SOURCE");
                    for (var row : rows) {
                        System.out.printf(Locale.ROOT, "%-12s  %-19s  %-4s  %9d  %10s  %s%n", ((String) row.get("id")).substring(0, 12),
                                RepoCommand.TIME.format(Instant.parse((String) row.get("time"))), row.get("kind"), (Long) row.get("files"),
                                Sizes.human((Long) row.get("size")), row.get("source"));
                    }
                }
                for (String w : all.warnings()) System.err.println("warning: " + w);
                return all.damaged().isEmpty() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
            }
            String full = repo.resolveBackup(id);
            Manifest m = repo.loadManifest(full);
            List<Map<String, Object>> rows = new ArrayList<>();
            TreeWalker.Visitor print = (path, n) -> {
                if (r.json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("path", path);
                    row.put("type", n.type());
                    row.put("size", n.size());
                    row.put("mode", n.mode() == null ? null : String.format("%04o", n.mode()));
                    row.put("uid", n.uid());
                    row.put("gid", n.gid());
                    row.put("mtime", n.mtime() == null ? null : Instant.ofEpochSecond(0, n.mtime()).toString());
                    row.put("target", n.target() == null ? null : FileNames.display(n.target()));
                    if (n.xattrs() != null) row.put("xattrs", n.xattrs().keySet());
                    rows.add(row);
                } else {
                    System.out.printf(Locale.ROOT, "%-8s %s %6s:%-6s %12s  %s  %s%s%n", n.type(), n.mode() == null ? "----" : String.format("%04o", n.mode()),
                            n.uid(), n.gid(), n.size() == null ? "" : Long.toString(n.size()),
                            n.mtime() == null ? "" : RepoCommand.TIME.format(Instant.ofEpochSecond(0, n.mtime())), path,
                            Node.SYMLINK.equals(n.type()) ? " -> " + FileNames.display(n.target()) : "");
                }
            };
            String sub = path == null ? "" : path.replaceAll("^/+|/+$", "");
            if (sub.isEmpty()) {
                TreeWalker.walk(repo, m.tree(), "", null, print, null);
            } else {
                Node n = TreeWalker.find(repo, m.tree(), sub);
                String shown = String.join("/", sub.split("/+"));
                print.visit(shown, n);
                if (n.isDir()) TreeWalker.walk(repo, n.subtree(), shown, null, print, null);
            }
            if (r.json) Output.json(rows);
            return ExitCodes.OK;
        }
    }
}
