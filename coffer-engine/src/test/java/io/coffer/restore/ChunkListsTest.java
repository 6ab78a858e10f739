package io.coffer.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.check.Checker;
import io.coffer.check.Finding;
import io.coffer.prune.Pruner;
import io.coffer.repo.BlobId;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Node;
import io.coffer.repo.RepoConfig;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import io.coffer.repo.Tree;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunk lists (feature {@code chunk-lists}) and restores in batches: a large file's references
 * live in blobs of their own, one per 64 MiB of pages, and a restore plans a batch at a time.
 */
class ChunkListsTest {
    @TempDir
    Path tmp;

    /** 150 MiB of pages (three lists), some zero, that neither compress nor repeat, and small files beside. */
    private Path source() throws IOException {
        Path src = tmp.resolve("src");
        Path rel = Files.createDirectories(src.resolve("base/16384"));
        byte[] big = Fixtures.random(1, 150 << 20);
        java.util.Arrays.fill(big, 10 * 8192, 30 * 8192, (byte) 0);          // zero pages inside
        java.util.Arrays.fill(big, big.length - 5 * 8192, big.length, (byte) 0); // and at the end
        Files.write(rel.resolve("16400"), big);
        Files.write(rel.resolve("16401"), Fixtures.random(2, 40 * 8192)); // small: inline
        for (int i = 0; i < 30; i++) Files.write(src.resolve("conf" + i), Fixtures.text(10 + i, 100 + i * 37));
        Files.createLink(src.resolve("conf-link"), src.resolve("conf3"));
        return src;
    }

    private static Node node(Repository repo, String backup, String name) throws IOException {
        Tree t = repo.readTree(repo.loadManifest(backup).tree());
        for (String dir : new String[] {"base", "16384"}) t = repo.readTree(t.child(dir).subtree());
        return t.child(name);
    }

    @Test
    void aLargeFileKeepsItsReferencesInListsAndAnIncrementalStoresOnlyWhatChanged() throws IOException {
        Path src = source();
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), new Secret.Password("pw".toCharArray()));
        assertThat(repo.config().requiredFeatures()).contains(RepoConfig.CHUNK_LISTS);
        BackupResult full = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        assertThat(full.warnings()).as("files the backup skipped").isEmpty();
        Node big = node(repo, full.id(), "16400");
        assertThat(big.content()).hasSize(3).allMatch(ChunkLists::isList);
        assertThat(node(repo, full.id(), "16401").content()).noneMatch(ChunkLists::isList);
        assertThat(Fixtures.chunks(repo, big)).hasSize(150 * 128 - 20 - 5 + 2); // 20 and 5 zero pages became two runs

        Map<String, String> v1 = TreeDigest.of(src);
        Path f = src.resolve("base/16384/16400");
        var t1 = Files.getLastModifiedTime(f);
        int[] pages = {0, 3, 5000, 9000, 9001, 19_000};
        for (int p : pages) Fixtures.overwrite(f, p * 8192L, Fixtures.random(100 + p, 8192));
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult incr = new BackupRunner(repo, BackupOptions.defaults().withParent(full.id())).run(src);
        Node big2 = node(repo, incr.id(), "16400");
        // lists 0 and 1 changed, list 2 too (page 19,000 is in it): three new lists, stored against the parent's
        assertThat(big2.content()).hasSize(3).doesNotContainAnyElementsOf(big.content());
        var s = incr.manifest().stats();
        assertThat(s.newBlobs()).isEqualTo(pages.length + 3 + 3); // pages, lists, trees up to the root
        assertThat(s.newStoredBytes()).isLessThan(pages.length * 8192L + 3 * 20_000 + 20_000);

        // restores in many small batches: a file spans dozens of them, empty files and hard links included
        var t2 = Files.getLastModifiedTime(f);
        for (var b : List.of(Map.entry(full.id(), v1), Map.entry(incr.id(), v2))) {
            Path out = tmp.resolve("out-" + b.getKey().substring(0, 8));
            RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).withBatches(1000, 7).run(b.getKey(), out);
            assertThat(r.errors()).isEmpty();
            assertThat(TreeDigest.diff(b.getValue(), TreeDigest.of(out))).isEmpty();
            assertThat(Files.getLastModifiedTime(out.resolve("base/16384/16400"))).isEqualTo(b.getKey().equals(full.id()) ? t1 : t2);
        }

        // prune keeps every list and every page a list names; check reads them all
        repo.store().delete("manifests/" + full.id());
        new Pruner(repo, 0.0).run();
        Repository fresh = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), new Secret.Password("pw".toCharArray()));
        assertThat(new Checker(fresh).run(true).findings()).isEmpty();
        Path after = tmp.resolve("after-prune");
        assertThat(new RestoreRunner(fresh, RestoreOptions.defaults()).run(incr.id(), after).errors()).isEmpty();
        assertThat(TreeDigest.diff(v2, TreeDigest.of(after))).isEmpty();
    }

    @Test
    void aDamagedChunkListFailsOnlyItsFileAndCheckNamesIt() throws IOException {
        Path src = source();
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        BackupResult full = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        assertThat(full.warnings()).as("files the backup skipped").isEmpty();
        Node big = node(repo, full.id(), "16400");
        String victim = ChunkLists.listId(big.content().get(1));
        Fixtures.damage(tmp.resolve("repo"), repo.index().find(BlobId.parse(victim)), 0x20);
        Repository fresh = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), null);

        List<Finding> findings = new Checker(fresh).run(false).findings();
        assertThat(findings).anySatisfy(fi -> assertThat(fi.toString()).contains(victim.substring(0, 12)).contains("base/16384/16400"));

        Path out = tmp.resolve("out");
        RestoreResult r = new RestoreRunner(fresh, RestoreOptions.defaults()).run(full.id(), out);
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e).contains("16400"));
        assertThat(out.resolve("base/16384/16400")).doesNotExist();
        Map<String, String> want = TreeDigest.of(src);
        want.keySet().removeIf(k -> k.contains("16400"));
        Map<String, String> got = TreeDigest.of(out);
        assertThat(TreeDigest.diff(want, got)).isEmpty();
    }
}
