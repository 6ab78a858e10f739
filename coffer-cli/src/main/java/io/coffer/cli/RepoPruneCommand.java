package io.coffer.cli;

import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.repo.Repository;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prune", description = "Delete data that no backup references; repack mostly-unused packs.")
final class RepoPruneCommand implements Callable<Integer> {
    static final int MAX_UNUSED = 50;

    @Mixin RepoOptions r;

    @Option(names = "--max-unused", defaultValue = "" + MAX_UNUSED, description = "Repack packs with more than this percentage of unused bytes (default ${DEFAULT-VALUE}).")
    int maxUnused;

    @Override
    public Integer call() throws IOException {
        if (maxUnused < 0 || maxUnused > 100) throw new IllegalArgumentException("--max-unused must be 0..100");
        try (Repository repo = r.open()) {
            for (String w : repo.manifests().warnings()) System.err.println("warning: " + w + "; what only that backup references is pruned");
            PruneResult res = new Pruner(repo, maxUnused / 100.0).run();
            if (r.json) Output.json(json(res));
            else System.out.println(line(res));
            return ExitCodes.OK;
        }
    }

    static Map<String, Object> json(PruneResult res) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backups", res.backups());
        out.put("packsBefore", res.packsBefore());
        out.put("packsDeleted", res.packsDeleted());
        out.put("packsRepacked", res.packsRepacked());
        out.put("packsWritten", res.packsWritten());
        out.put("garbagePacksDeleted", res.garbagePacksDeleted());
        out.put("bytesBefore", res.bytesBefore());
        out.put("bytesAfter", res.bytesAfter());
        out.put("bytesFreed", res.bytesFreed());
        return out;
    }

    static String line(PruneResult res) {
        return String.format(Locale.ROOT, "pruned: %d packs deleted, %d repacked into %d, %d leftover packs removed; %s freed (%s -> %s)",
                res.packsDeleted(), res.packsRepacked(), res.packsWritten(), res.garbagePacksDeleted(),
                Sizes.human(res.bytesFreed()), Sizes.human(res.bytesBefore()), Sizes.human(res.bytesAfter()));
    }
}
