package io.coffer.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.Tree;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptionTest {
    @TempDir
    Path tmp;

    @Test
    void aDamagedBlobIsNamedWithTheFilesItHurtsAndOnlyThoseFailToRestore() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 5; i++) Files.write(src.resolve("f" + i), Fixtures.random(i, 300_000));
        Path repoDir = tmp.resolve("repo");
        Repository repo = Repository.init(LocalObjectStore.open(repoDir), InitOptions.defaults(), null);
        String id = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        // find the blob of f3 and flip one byte in the middle of it, on disk
        Tree root = repo.readTree(repo.loadManifest(id).tree());
        Node f3 = root.nodes().stream().filter(n -> n.name().equals("f3")).findFirst().orElseThrow();
        MasterIndex.Location loc = repo.index().find(io.coffer.repo.BlobId.parse(f3.content().get(0)));
        String packId = Fixtures.damage(repoDir, loc, 0x40);
        Repository reopened = Repository.open(LocalObjectStore.open(repoDir), null);
        CheckResult structure = new Checker(reopened).run(false);
        assertThat(structure.ok()).as("structure alone cannot see damage inside a data blob").isTrue();
        CheckResult full = new Checker(reopened).run(true);
        assertThat(full.ok()).isFalse();
        assertThat(full.findings()).anySatisfy(f -> {
            assertThat(f.object()).contains(packId);
            assertThat(f.message()).contains("SHA-256 mismatch");
        });
        assertThat(full.findings()).anySatisfy(f -> assertThat(f.affected()).containsExactly("backup " + id.substring(0, 12) + ": f3"));

        RestoreResult r = new RestoreRunner(reopened, RestoreOptions.defaults()).run(id, tmp.resolve("out"));
        assertThat(r.errors()).hasSize(1).first().asString().contains("f3").contains(packId).contains("damaged");
        assertThat(tmp.resolve("out/f3")).doesNotExist();
        for (int i : new int[] {0, 1, 2, 4}) assertThat(Files.readAllBytes(tmp.resolve("out/f" + i))).isEqualTo(Fixtures.random(i, 300_000));
    }
}
