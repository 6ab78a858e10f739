package io.coffer.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a backup holds, and what forgetting it frees: checked against what prune then really removes. */
class BackupStatsTest {
    @TempDir
    Path tmp;

    @Test
    void exclusiveDataIsWhatOnlyTheseBackupsReferenceAndWhatPruneFrees() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("shared"), Fixtures.random(1, 3_000_000));
        Files.write(src.resolve("old"), Fixtures.random(2, 2_000_000));
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        String a = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        Files.delete(src.resolve("old"));
        Files.write(src.resolve("new"), Fixtures.random(3, 1_000_000));
        String b = new BackupRunner(repo, BackupOptions.defaults().withParent(a)).run(src).id();

        BackupStats sa = BackupStats.of(repo, List.of(a));
        assertThat(sa.files()).isEqualTo(2);
        assertThat(sa.logicalBytes()).isEqualTo(5_000_000);
        assertThat(sa.rawBytes()).isEqualTo(5_000_000);
        assertThat(sa.storedBytes()).isGreaterThan(5_000_000); // random data: stored raw, plus the encryption's bytes
        // only the old file's chunks (and a's trees) are a's alone
        assertThat(sa.exclusiveRawBytes()).isBetween(2_000_000L, 2_000_000L + 4096);
        BackupStats sb = BackupStats.of(repo, List.of(b));
        assertThat(sb.exclusiveRawBytes()).isBetween(1_000_000L, 1_000_000L + 4096);
        BackupStats both = BackupStats.of(repo, List.of(a, b));
        assertThat(both.rawBytes()).isEqualTo(6_000_000);
        assertThat(both.exclusiveRawBytes()).isGreaterThanOrEqualTo(6_000_000);

        // forgetting a and pruning frees the data that a held alone, and only that
        long before = RepoStats.of(repo).uniqueBytes();
        repo.store().delete("manifests/" + a);
        PruneResult p = new Pruner(repo, 0.0).run();
        assertThat(p.packsDeleted() + p.packsRepacked()).isPositive();
        Repository after = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), null);
        assertThat(before - RepoStats.of(after).uniqueBytes()).isEqualTo(2_000_000);
        BackupStats left = BackupStats.of(after, List.of(b));
        assertThat(left.rawBytes()).isEqualTo(4_000_000);
        assertThat(left.exclusiveRawBytes()).isGreaterThanOrEqualTo(4_000_000); // the only backup now: all of it
    }
}
