package io.coffer.cli;

import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.check.Finding;
import io.coffer.repo.Repository;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "check", description = "Verify the repository's structure; with --read-data, read and verify every blob.")
final class RepoCheckCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Option(names = "--read-data", description = "Read every pack and verify every blob's checksum.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "n/t|x%",
            description = "Read and verify only part of the packs: the n-th of t parts (1/7 to 7/7 on seven days read each once), or x%% at random.")
    String subset;

    @Override
    public Integer call() throws IOException {
        if (readData && subset != null) throw new ApiException(ExitCodes.USAGE, "give --read-data or --read-data-subset, not both");
        Checker.Subset read;
        try {
            read = subset != null ? Checker.Subset.parse(subset) : readData ? Checker.Subset.ALL : null;
        } catch (IllegalArgumentException e) {
            throw new ApiException(ExitCodes.USAGE, "--" + e.getMessage());
        }
        try (Repository repo = r.open()) {
            Checker checker = new Checker(repo);
            CheckResult res;
            try (var line = new ProgressLine(r.quiet, () -> "check: " + checker.packsDone() + "/" + checker.packsTotal() + " packs read")) {
                res = checker.run(read);
            }
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("ok", res.ok());
                out.put("backups", res.backups());
                out.put("trees", res.trees());
                out.put("packs", res.packs());
                if (read != null) out.put("packsRead", res.packsRead());
                out.put("blobsRead", res.blobsRead());
                out.put("bytesRead", res.bytesRead());
                out.put("findings", res.findings());
                Output.json(out);
            } else {
                for (Finding f : res.findings()) {
                    System.out.println(f.severity().name().toLowerCase(Locale.ROOT) + ": " + f.object() + ": " + f.message());
                    for (String a : f.affected()) System.out.println("    affects " + a);
                }
                System.out.printf(Locale.ROOT, "%s: %d backups, %d trees, %d packs%s%n", res.ok() ? "no errors" : "ERRORS FOUND",
                        res.backups(), res.trees(), res.packs(),
                        read == null ? "" : String.format(Locale.ROOT, ", %d blobs (%s) read and verified%s", res.blobsRead(), Sizes.human(res.bytesRead()),
                                subset == null ? "" : " in " + res.packsRead() + " of the packs (subset " + subset + ")"));
            }
            return res.ok() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
        }
    }
}
