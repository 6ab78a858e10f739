package io.coffer.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexRepairTest {
    @TempDir
    Path tmp;

    /**
     * The index rebuilt from the packs a damaged index object listed is often byte for byte what
     * that object held, and so has its name: the repair must replace the damaged bytes, not take
     * them for its own and then delete them (a quarter of such repairs lost the whole index).
     */
    @Test
    void aRebuiltIndexWithTheDamagedObjectsNameReplacesItAndEveryBackupRestores() throws Exception {
        for (int round = 0; round < 12; round++) {
            Path src = Files.createDirectories(tmp.resolve("src" + round));
            for (int i = 0; i < 4; i++) Files.write(src.resolve("f" + i), Fixtures.random(round * 10 + i, 300_000));
            Path repoDir = tmp.resolve("repo" + round);
            InitOptions small = InitOptions.defaults().withPackSize(1L << 20, 1L << 20);
            String id;
            try (Repository repo = Repository.init(LocalObjectStore.open(repoDir), small, null)) {
                id = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
            }
            List<Path> index;
            try (var s = Files.walk(repoDir.resolve("index"))) {
                index = s.filter(Files::isRegularFile).toList();
            }
            assertThat(index).hasSize(1);
            byte[] before = Files.readAllBytes(index.get(0));
            try (RandomAccessFile f = new RandomAccessFile(index.get(0).toFile(), "rw")) {
                f.seek(f.length() / 2);
                int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0x5a);
            }
            try (Repository repo = Repository.open(LocalObjectStore.open(repoDir), null)) {
                IndexRepair.Result r = new IndexRepair(repo).run(false);
                assertThat(r.packsIndexed()).isPositive();
                assertThat(r.indexObjectsRemoved()).hasSize(1);
            }
            // the damaged bytes are gone, whether the object is gone or holds the rebuilt index
            assertThat(!Files.exists(index.get(0)) || java.util.Arrays.equals(Files.readAllBytes(index.get(0)), before)).isTrue();
            try (Repository repo = Repository.open(LocalObjectStore.open(repoDir), null)) {
                assertThat(repo.indexErrors()).isEmpty();
                Path out = tmp.resolve("out" + round);
                assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(id, out).errors()).isEmpty();
                Map<String, String> want = TreeDigest.of(src), got = TreeDigest.of(out);
                assertThat(TreeDigest.diff(want, got)).as("round " + round).isEmpty();
                assertThat(new Checker(repo).run(true).ok()).isTrue();
            }
        }
    }
}
