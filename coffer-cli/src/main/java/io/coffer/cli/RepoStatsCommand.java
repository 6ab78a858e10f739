package io.coffer.cli;

import io.coffer.repo.Repository;
import io.coffer.stats.BackupStats;
import io.coffer.stats.RepoStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "stats", description = "Repository usage: logical and stored size, deduplication and compression ratios; of some backups: what they hold and what forgetting them would free.")
final class RepoStatsCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Only these backups: what they hold, and what forgetting them would free.")
    List<String> ids;

    @Override
    public Integer call() throws IOException {
        try (Repository repo = r.open()) {
            if (ids != null && !ids.isEmpty()) return backups(repo);
            for (String w : repo.manifests().warnings()) System.err.println("warning: " + w);
            RepoStats s = RepoStats.of(repo);
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("backups", s.backups());
                out.put("logicalBytes", s.logicalBytes());
                out.put("uniqueBytes", s.uniqueBytes());
                out.put("blobBytesStored", s.blobBytesStored());
                out.put("storedBytes", s.storedBytes());
                out.put("dedupRatio", s.dedupRatio());
                out.put("compressionRatio", s.compressionRatio());
                out.put("dataBlobs", s.dataBlobs());
                out.put("treeBlobs", s.treeBlobs());
                out.put("groupedBlobs", s.groupedBlobs());
                out.put("groups", s.groups());
                out.put("features", repo.config().requiredFeatures());
                out.put("packs", s.packs());
                out.put("objects", s.objects());
                out.put("encrypted", repo.config().encrypted());
                Output.json(out);
            } else {
                System.out.printf(Locale.ROOT, "backups:            %d%n", s.backups());
                System.out.printf(Locale.ROOT, "logical size:       %s%n", Sizes.human(s.logicalBytes()));
                System.out.printf(Locale.ROOT, "unique data:        %s (dedup ratio %.2fx)%n", Sizes.human(s.uniqueBytes()), s.dedupRatio());
                System.out.printf(Locale.ROOT, "stored blobs:       %s (compression ratio %.2fx)%n", Sizes.human(s.blobBytesStored()), s.compressionRatio());
                System.out.printf(Locale.ROOT, "stored total:       %s in %d objects (%d packs)%n", Sizes.human(s.storedBytes()), s.objects(), s.packs());
                System.out.printf(Locale.ROOT, "blobs:              %d data (%d of them in %d groups), %d tree%n", s.dataBlobs(), s.groupedBlobs(), s.groups(), s.treeBlobs());
                System.out.printf(Locale.ROOT, "features:           %s%n", String.join(", ", repo.config().requiredFeatures()));
            }
            return ExitCodes.OK;
        }
    }

    private int backups(Repository repo) throws IOException {
        List<String> full = new ArrayList<>();
        for (String id : ids) full.add(repo.resolveBackup(id)); // all resolved first: a bad id prints nothing
        BackupStats s = BackupStats.of(repo, full);
        if (r.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("backups", full);
            out.put("files", s.files());
            out.put("logicalBytes", s.logicalBytes());
            out.put("blobs", s.blobs());
            out.put("rawBytes", s.rawBytes());
            out.put("storedBytes", s.storedBytes());
            out.put("exclusiveBlobs", s.exclusiveBlobs());
            out.put("exclusiveRawBytes", s.exclusiveRawBytes());
            out.put("exclusiveStoredBytes", s.exclusiveStoredBytes());
            Output.json(out);
        } else {
            System.out.printf(Locale.ROOT, "backups:            %d%n", s.backups());
            System.out.printf(Locale.ROOT, "files:              %d (%s when restored)%n", s.files(), Sizes.human(s.logicalBytes()));
            System.out.printf(Locale.ROOT, "data:               %s in %d blobs, %s stored%n", Sizes.human(s.rawBytes()), s.blobs(), Sizes.human(s.storedBytes()));
            System.out.printf(Locale.ROOT, "only in these:      %s in %d blobs, %s stored: what forgetting them and pruning frees%n",
                    Sizes.human(s.exclusiveRawBytes()), s.exclusiveBlobs(), Sizes.human(s.exclusiveStoredBytes()));
        }
        return ExitCodes.OK;
    }
}
