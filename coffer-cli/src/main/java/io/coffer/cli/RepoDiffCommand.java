package io.coffer.cli;

import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeDiff;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", description = "What changed between two backups: + added, - removed, M content, T type, U metadata (with --metadata).")
final class RepoDiffCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(index = "0", paramLabel = "ID1", description = "The earlier backup (an id, a prefix, or latest).")
    String first;

    @Parameters(index = "1", paramLabel = "ID2", description = "The later backup.")
    String second;

    @Option(names = "--metadata", description = "List entries whose metadata alone changed (mode, owner, mtime, extended attributes).")
    boolean metadata;

    @Override
    public Integer call() throws IOException {
        try (Repository repo = r.open()) {
            String a = repo.resolveBackup(first), b = repo.resolveBackup(second);
            List<Map<String, Object>> changes = new ArrayList<>();
            TreeDiff.Summary sum = TreeDiff.compare(repo, a, b, c -> {
                if (c.kind() == TreeDiff.Kind.METADATA && !metadata) return;
                Node n = c.after() != null ? c.after() : c.before();
                String path = c.path() + (n.isDir() && c.kind() != TreeDiff.Kind.TYPE ? "/" : "");
                if (r.json) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("change", c.kind().name().toLowerCase(Locale.ROOT));
                    row.put("path", path);
                    if (c.kind() == TreeDiff.Kind.TYPE) row.put("types", List.of(c.before().type(), c.after().type()));
                    if (!c.what().isEmpty()) row.put("metadata", c.what());
                    changes.add(row);
                } else {
                    String detail = c.kind() == TreeDiff.Kind.TYPE ? "  (" + c.before().type() + " -> " + c.after().type() + ")"
                            : c.kind() == TreeDiff.Kind.METADATA ? "  (" + String.join(", ", c.what()) + ")" : "";
                    System.out.println(c.kind().letter + "    " + path + detail);
                }
            });
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("from", a);
                out.put("to", b);
                out.put("changes", changes);
                out.put("summary", sum);
                Output.json(out);
            } else {
                System.out.printf(Locale.ROOT, "%n%s -> %s: %d added (%s), %d removed (%s), %d modified, %d changed type, %d changed metadata only%n",
                        a.substring(0, 12), b.substring(0, 12), sum.added(), Sizes.human(sum.bytesAdded()), sum.removed(),
                        Sizes.human(sum.bytesRemoved()), sum.modified(), sum.typeChanged(), sum.metadata());
            }
            return ExitCodes.OK;
        }
    }
}
