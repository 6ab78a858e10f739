package io.coffer.cli;

import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.prune.Retention;
import io.coffer.repo.Manifest;
import io.coffer.repo.Repository;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "forget", description = "Remove backups, named or by a keep policy per group: host and source unless --group-by says otherwise (their data stays until prune).")
final class RepoForgetCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Backups to remove (or give a --keep-* policy instead).")
    List<String> ids;

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest backups.")
    int last;

    @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent hours that have one (UTC).")
    int hourly;

    @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest backup of each of the N most recent days (UTC).")
    int daily;

    @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent ISO weeks.")
    int weekly;

    @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent months.")
    int monthly;

    @Option(names = "--keep-yearly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent years.")
    int yearly;

    @Option(names = "--keep-within", paramLabel = "PERIOD", description = "Keep every backup younger than PERIOD before the newest one of its group (7d, 2w, 6m, 1y, 36h, 1y6m).")
    String within;

    @Option(names = "--keep-tag", paramLabel = "KEY=VALUE", description = "Keep every backup labelled so (repeatable: any of them).")
    Map<String, String> keepTags;

    @Option(names = {"-n", "--dry-run"}, description = "Say what would be forgotten; change nothing.")
    boolean dryRun;

    @Option(names = "--group-by", paramLabel = "FIELDS", defaultValue = "host,source",
            description = "Apply the policy to each group of backups alike in these fields: host, source, tags, comma-separated; '' for one group of all (default ${DEFAULT-VALUE}).")
    String groupBy;

    @Option(names = "--host", paramLabel = "HOST", description = "Apply the policy only to backups taken on this host (repeatable); the others are kept.")
    List<String> hosts;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Apply the policy only to backups labelled so (repeatable: all of them); the others are kept.")
    Map<String, String> onlyTags;

    @Option(names = "--prune", description = "Prune right after forgetting.")
    boolean prune;

    @Override
    public Integer call() throws IOException {
        if (ids == null) ids = List.of();
        Retention policy = new Retention(last, hourly, daily, weekly, monthly, yearly, within == null ? null : Retention.Within.parse(within), keepTags);
        if (!ids.isEmpty() && !policy.isEmpty()) throw new ApiException(ExitCodes.USAGE, "give backup ids or a --keep-* policy, not both");
        if (ids.isEmpty() && policy.isEmpty()) {
            throw new ApiException(ExitCodes.USAGE, "name the backups to forget, or give a keep policy (--keep-last N, --keep-daily N, --keep-within 30d, ...)");
        }
        List<String> fields = groupFields(groupBy);
        if (!ids.isEmpty() && (hosts != null || onlyTags != null)) {
            throw new ApiException(ExitCodes.USAGE, "--host and --tag select backups for a keep policy; named backups are forgotten whatever they are");
        }
        try (Repository repo = r.open()) {
            Map<String, Object> out = new LinkedHashMap<>();
            List<String> forget = new ArrayList<>();
            if (!ids.isEmpty()) {
                for (String i : ids) forget.add(repo.resolveBackup(i)); // resolve all first: a bad id removes nothing
            } else {
                out.put("groups", applyPolicy(repo, policy, fields, forget));
            }
            if (!dryRun) for (String f : forget) repo.store().delete("manifests/" + f);
            out.put("dryRun", dryRun);
            out.put("forgotten", forget);
            if (ids.isEmpty() && !r.json) {
                System.out.println((dryRun ? "would forget " : "forgot ") + forget.size() + " backup(s)");
            } else if (!r.json) {
                for (String f : forget) System.out.println((dryRun ? "would forget backup " : "forgot backup ") + f);
            }
            if (prune && !dryRun) {
                PruneResult res = new Pruner(repo, RepoPruneCommand.MAX_UNUSED / 100.0).run();
                if (r.json) out.put("prune", RepoPruneCommand.json(res));
                else System.out.println(RepoPruneCommand.line(res));
            }
            if (r.json) Output.json(out);
            return ExitCodes.OK;
        }
    }

    static final List<String> GROUP_FIELDS = List.of("host", "source", "tags");

    /** The fields of --group-by, in the order given; a bad one is a usage error. */
    static List<String> groupFields(String spec) {
        List<String> fields = new ArrayList<>();
        for (String f : spec.split(",")) {
            f = f.strip();
            if (f.isEmpty()) continue;
            if (!GROUP_FIELDS.contains(f) || fields.contains(f)) {
                throw new ApiException(ExitCodes.USAGE, "--group-by '" + spec + "': give host, source and tags, each at most once, comma-separated, or '' for one group of all backups");
            }
            fields.add(f);
        }
        return fields;
    }

    private static String field(Manifest m, String f) {
        return switch (f) {
            case "host" -> String.valueOf(m.host());
            case "source" -> String.valueOf(m.source());
            default -> new TreeMap<>(m.tags()).toString();
        };
    }

    /** Decides per group; adds the backups to forget; prints each decision unless --json. */
    private List<Map<String, Object>> applyPolicy(Repository repo, Retention policy, List<String> fields, List<String> forget) throws IOException {
        Map<List<String>, List<Retention.Candidate>> groups = new TreeMap<>((a, b) -> {
            for (int i = 0; i < a.size(); i++) {
                int c = a.get(i).compareTo(b.get(i));
                if (c != 0) return c;
            }
            return 0;
        });
        Map<List<String>, Map<String, String>> groupTags = new HashMap<>();
        Repository.Manifests all = repo.manifests(); // a policy neither keeps nor forgets a damaged one: it is named
        for (String w : all.warnings()) System.err.println("warning: " + w);
        for (var e : all.readable().entrySet()) {
            String id = e.getKey();
            Manifest m = e.getValue();
            if (hosts != null && !hosts.contains(m.host())) continue;
            if (onlyTags != null && !m.tags().entrySet().containsAll(onlyTags.entrySet())) continue;
            List<String> key = new ArrayList<>(fields.size());
            for (String f : fields) key.add(field(m, f));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new Retention.Candidate(id, Instant.parse(m.time()), m.tags()));
            groupTags.putIfAbsent(key, new TreeMap<>(m.tags()));
        }
        List<Map<String, Object>> result = new ArrayList<>();
        for (var g : groups.entrySet()) {
            List<Retention.Decision> decisions = policy.apply(g.getValue());
            List<Map<String, Object>> kept = new ArrayList<>(), gone = new ArrayList<>();
            if (!r.json) {
                long k = decisions.stream().filter(Retention.Decision::keep).count();
                String name = fields.isEmpty() ? "all backups" : String.join(":", g.getKey());
                System.out.printf(Locale.ROOT, "%s: %d backup(s), keep %d, forget %d%n", name, decisions.size(), k, decisions.size() - k);
            }
            for (Retention.Decision d : decisions) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", d.backup().id());
                row.put("time", d.backup().time().toString());
                if (d.keep()) {
                    row.put("reasons", d.reasons());
                    kept.add(row);
                } else {
                    gone.add(row);
                    forget.add(d.backup().id());
                }
                if (!r.json) {
                    System.out.printf(Locale.ROOT, "  %-6s  %s  %s  %s%n", d.keep() ? "keep" : "forget", d.backup().id().substring(0, 12),
                            d.backup().time(), String.join(", ", d.reasons()));
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < fields.size(); i++) {
                row.put(fields.get(i), fields.get(i).equals("tags") ? groupTags.get(g.getKey()) : g.getKey().get(i));
            }
            row.put("kept", kept);
            row.put("forgotten", gone);
            result.add(row);
        }
        return result;
    }
}
