package io.coffer.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.BlobId;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A check that reads part of the data: the t parts of n/t cover every pack exactly once, and damage is found in its part. */
class ReadDataSubsetTest {
    @TempDir
    Path tmp;

    @Test
    void thePartsCoverEveryPackOnceAndTheDamageIsFoundInOneOfThem() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 24; i++) Files.write(src.resolve("f" + i), Fixtures.random(i, 400_000));
        Path repoDir = tmp.resolve("repo");
        Repository repo = Repository.init(LocalObjectStore.open(repoDir), InitOptions.defaults().withPackSize(1 << 20, 64 << 10), null);
        String id = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        Node f5 = repo.readTree(repo.loadManifest(id).tree()).nodes().stream().filter(n -> n.name().equals("f5")).findFirst().orElseThrow();
        Fixtures.damage(repoDir, repo.index().find(BlobId.parse(f5.content().get(0))), 0x10);

        Repository reopened = Repository.open(LocalObjectStore.open(repoDir), null);
        int packs = reopened.index().packs().size();
        assertThat(packs).isGreaterThan(8);
        int t = 4, read = 0;
        List<Integer> damagedIn = new ArrayList<>();
        for (int n = 1; n <= t; n++) {
            CheckResult c = new Checker(Repository.open(LocalObjectStore.open(repoDir), null)).run(Checker.Subset.parse(n + "/" + t));
            assertThat(c.packsRead()).isLessThan(packs);
            read += c.packsRead();
            if (!c.ok()) {
                damagedIn.add(n);
                assertThat(c.findings()).anySatisfy(f -> assertThat(f.affected()).anySatisfy(a -> assertThat(a).contains("f5")));
            }
        }
        assertThat(read).isEqualTo(packs);
        assertThat(damagedIn).hasSize(1);

        CheckResult all = new Checker(reopened).run(Checker.Subset.parse("100%"));
        assertThat(all.packsRead()).isEqualTo(packs);
        assertThat(all.ok()).isFalse();
        assertThat(new Checker(reopened).run(Checker.Subset.parse("0.001%")).packsRead()).isLessThan(packs);
        for (String bad : new String[] {"0/4", "5/4", "1/0", "x", "0%", "101%", "1/", "/2", "-1/3"}) {
            assertThatThrownBy(() -> Checker.Subset.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'").hasMessageContaining("n/t");
        }
    }
}
