package io.coffer.cli;

import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeFind;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "find", description = "Find files by name or path pattern in every backup (or those named), newest first.")
final class RepoFindCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(arity = "1..*", paramLabel = "PATTERN", description = "A glob as for backup --exclude: a name at any depth (pg_hba.conf, *.conf), or a path from the top (base/16384/*).")
    List<String> patterns;

    @Option(names = "--backup", paramLabel = "ID", description = "Search only this backup (repeatable).")
    List<String> backups;

    @Override
    public Integer call() throws IOException {
        PathPatterns p = PathPatterns.of("find", patterns); // a bad one is refused before the repository is opened
        try (Repository repo = r.open()) {
            List<String> ids = new ArrayList<>();
            Map<String, Manifest> byId = new HashMap<>();
            if (backups != null) {
                for (String b : backups) ids.add(repo.resolveBackup(b));
                for (String id : ids) byId.put(id, repo.loadManifest(id));
            } else {
                Repository.Manifests all = repo.manifests(); // the damaged ones are named and skipped
                for (String w : all.warnings()) System.err.println("warning: " + w);
                byId.putAll(all.readable());
                ids.addAll(all.readable().keySet());
            }
            ids.sort(Comparator.comparing((String id) -> byId.get(id).time()).reversed());
            TreeFind find = new TreeFind(repo, p);
            List<Map<String, Object>> rows = new ArrayList<>();
            long total = 0, withMatches = 0;
            for (String id : ids) {
                Manifest m = byId.get(id);
                List<TreeFind.Match> found = find.in(m);
                if (found.isEmpty()) continue;
                total += found.size();
                withMatches++;
                if (r.json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", id);
                    row.put("time", m.time());
                    row.put("host", m.host());
                    row.put("source", m.source());
                    List<Map<String, Object>> matches = new ArrayList<>();
                    for (TreeFind.Match x : found) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("path", x.path());
                        e.put("type", x.node().type());
                        e.put("size", x.node().size());
                        e.put("mtime", x.node().mtime() == null ? null : Instant.ofEpochSecond(0, x.node().mtime()).toString());
                        matches.add(e);
                    }
                    row.put("matches", matches);
                    rows.add(row);
                } else {
                    System.out.printf(Locale.ROOT, "backup %s  %s  %s%n", id.substring(0, 12), RepoCommand.TIME.format(Instant.parse(m.time())), m.source());
                    for (TreeFind.Match x : found) {
                        Node n = x.node();
                        System.out.printf(Locale.ROOT, "  %-8s %12s  %s  %s%n", n.type(), n.size() == null ? "" : Long.toString(n.size()),
                                n.mtime() == null ? "" : RepoCommand.TIME.format(Instant.ofEpochSecond(0, n.mtime())), x.path());
                    }
                }
            }
            if (r.json) Output.json(rows);
            else System.out.println(total + " match(es) in " + withMatches + (withMatches == 1 ? " backup" : " backups"));
            return ExitCodes.OK;
        }
    }
}
