package io.coffer.cli;

import io.coffer.check.IndexRepair;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.store.ObjectNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coffer repo repair ...}: puts a damaged repository back in order where the data allows. */
@Command(name = "repair", description = "Repair a damaged repository.", subcommands = {RepoRepairCommand.Index.class, RepoRepairCommand.Manifests.class})
final class RepoRepairCommand {

    @Command(name = "index", description = {
        "Index again the packs that no readable index object lists, from their own trailers, then remove the",
        "damaged index objects. For when `coffer repo check` reports a damaged index object or blobs missing",
        "from the index: backups that seemed lost restore again. Run it before any prune."})
    static final class Index implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Option(names = {"-n", "--dry-run"}, description = "Say what would be indexed and removed; write nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open(); RepoLock lock = dryRun ? null : repo.lock(true, "repair index")) {
                IndexRepair.Result res = new IndexRepair(repo).run(dryRun);
                if (r.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("dryRun", dryRun);
                    out.put("packsIndexed", res.packsIndexed());
                    out.put("blobsIndexed", res.blobsIndexed());
                    out.put("indexObjectsRemoved", res.indexObjectsRemoved());
                    out.put("unreadablePacks", res.unreadablePacks());
                    Output.json(out);
                } else {
                    String verb = dryRun ? "would index " : "indexed ";
                    System.out.println(verb + res.packsIndexed() + " pack(s) again (" + res.blobsIndexed() + " blobs) from their trailers");
                    for (String k : res.indexObjectsRemoved()) System.out.println((dryRun ? "would remove damaged " : "removed damaged ") + k);
                    for (var e : res.unreadablePacks().entrySet()) {
                        System.err.println("warning: " + e.getKey() + " cannot be indexed: " + e.getValue() + " (its blobs are lost; prune removes it)");
                    }
                }
                return res.unreadablePacks().isEmpty() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
            }
        }
    }

    @Command(name = "manifests", description = {
        "Remove the manifests that are damaged (they fail their checksum or do not decode).",
        "Their backups cannot be restored; every other backup lists, restores and prunes as before.",
        "`coffer repo check` names them; `coffer repo prune` afterwards frees what only they used."})
    static final class Manifests implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Option(names = {"-n", "--dry-run"}, description = "Name the damaged manifests; remove nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open(); RepoLock lock = dryRun ? null : repo.lock(true, "repair manifests")) {
                Repository.Manifests all = repo.manifests();
                List<Map<String, Object>> removed = new ArrayList<>();
                for (var e : all.damaged().entrySet()) {
                    if (!dryRun) {
                        try {
                            repo.store().delete("manifests/" + e.getKey());
                        } catch (ObjectNotFoundException gone) {
                            // removed meanwhile
                        }
                    }
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", e.getKey());
                    row.put("damage", e.getValue());
                    removed.add(row);
                    if (!r.json) System.out.println((dryRun ? "would remove damaged manifest " : "removed damaged manifest ") + e.getKey() + " (" + e.getValue() + ")");
                }
                if (r.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("dryRun", dryRun);
                    out.put("removed", removed);
                    out.put("readable", all.readable().size());
                    Output.json(out);
                } else {
                    System.out.println(removed.size() + " damaged manifest(s) " + (dryRun ? "found" : "removed") + ", " + all.readable().size() + " readable"
                            + (removed.isEmpty() || dryRun ? "" : "; `coffer repo prune` frees what only they used"));
                }
                return ExitCodes.OK;
            }
        }
    }
}
