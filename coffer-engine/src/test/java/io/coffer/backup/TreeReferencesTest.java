package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.check.Finding;
import io.coffer.prune.Pruner;
import io.coffer.repo.BlobId;
import io.coffer.repo.InitOptions;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large directory listing of an incremental backup is stored against the parent's listing, so
 * that it costs what changed; every backup still restores on its own, prune keeps what a listing
 * is stored against, and check names the listings a damaged one hurts.
 */
class TreeReferencesTest {
    @TempDir
    Path tmp;

    Path src;
    Repository repo;

    void setUp(boolean encrypted) throws IOException {
        src = tmp.resolve("src");
        Files.createDirectories(src.resolve("big"));
        Secret secret = encrypted ? new Secret.Password("pw".toCharArray()) : null;
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), secret);
        // a listing of 1500 files: far above the size from which listings are stored against their parent's
        for (int i = 0; i < 1500; i++) Files.write(src.resolve("big/f" + i), ("file " + i).getBytes());
        Files.write(src.resolve("small.txt"), Fixtures.text(1, 5000));
    }

    BackupResult backup(String parent) throws IOException {
        return new BackupRunner(repo, BackupOptions.defaults().withParent(parent)).run(src);
    }

    String bigTree(Repository r, String backup) throws IOException {
        for (Node n : r.readTree(r.loadManifest(backup).tree()).nodes()) if (n.name().equals("big")) return n.subtree();
        throw new AssertionError("no big/ in " + backup);
    }

    void change(int... files) throws IOException {
        for (int i : files) Files.write(src.resolve("big/f" + i), ("changed " + i + " " + System.nanoTime()).getBytes());
    }

    void assertRestores(Repository r, String backup, Map<String, String> expected) throws IOException {
        Path out = tmp.resolve("out-" + backup.substring(0, 8) + "-" + System.nanoTime());
        assertThat(new RestoreRunner(r, RestoreOptions.defaults()).run(backup, out).errors()).isEmpty();
        assertThat(TreeDigest.diff(expected, TreeDigest.of(out))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void incrementalListingsCostWhatChangedAndEveryBackupRestoresThroughPruneAndCheck(boolean encrypted) throws IOException {
        setUp(encrypted);
        BackupResult first = backup(null);
        Map<String, String> v1 = TreeDigest.of(src);
        long firstStored = first.manifest().stats().newStoredBytes();

        change(3, 700, 1400);
        BackupResult second = backup(first.id());
        Map<String, String> v2 = TreeDigest.of(src);
        change(5, 701);
        BackupResult third = backup(second.id());
        Map<String, String> v3 = TreeDigest.of(src);

        String t1 = bigTree(repo, first.id()), t2 = bigTree(repo, second.id()), t3 = bigTree(repo, third.id());
        assertThat(repo.readBlobWithRef(BlobId.parse(t1)).standalone()).isTrue();
        // each listing is stored against one that stands alone: references are one level deep
        assertThat(repo.readBlobWithRef(BlobId.parse(t2)).ref()).isEqualTo(BlobId.parse(t1));
        assertThat(repo.readBlobWithRef(BlobId.parse(t3)).ref()).isEqualTo(BlobId.parse(t1));
        assertThat(repo.readBlobWithRef(BlobId.parse(t3)).chain()).containsExactly(BlobId.parse(t1));
        // three changed files and a listing of 1500: a few KiB, where the first backup's listing alone is tens
        MasterIndex.Location l1 = repo.index().find(BlobId.parse(t1));
        MasterIndex.Location l2 = repo.index().find(BlobId.parse(t2));
        assertThat(l1.storedLength()).isGreaterThan(30_000);
        assertThat(l2.storedLength()).isLessThan(l1.storedLength() / 10);
        assertThat(second.manifest().stats().newStoredBytes()).isLessThan(firstStored / 5);

        assertRestores(repo, first.id(), v1);
        assertRestores(repo, second.id(), v2);
        assertRestores(repo, third.id(), v3);

        // the first backup goes; its listing stays, because the others are stored against it
        repo.store().delete("manifests/" + first.id());
        new Pruner(repo, 0.0).run();
        Secret secret = encrypted ? new Secret.Password("pw".toCharArray()) : null;
        Repository fresh = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), secret);
        assertThat(fresh.index().contains(BlobId.parse(t1))).isTrue();
        CheckResult clean = new Checker(fresh).run(true);
        assertThat(clean.findings()).isEmpty();
        assertRestores(fresh, second.id(), v2);
        assertRestores(fresh, third.id(), v3);

        // damage the listing they are stored against: check names it and both backups it hurts
        MasterIndex.Location base = fresh.index().find(BlobId.parse(t1));
        Path pack = tmp.resolve("repo/data/" + base.pack().id().substring(0, 2) + "/" + base.pack().id());
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            long at = base.offset() + base.storedLength() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        Repository damaged = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), secret);
        CheckResult c = new Checker(damaged).run(true);
        assertThat(c.ok()).isFalse();
        assertThat(c.findings()).anySatisfy(f -> assertThat(f.message()).contains(BlobId.parse(t1).shortHex()));
        assertThat(c.findings()).filteredOn(f -> f.severity() == Finding.Severity.ERROR)
                .anySatisfy(f -> assertThat(f.affected()).anySatisfy(a -> assertThat(a).contains(second.id().substring(0, 12)).contains("big")))
                .anySatisfy(f -> assertThat(f.affected()).anySatisfy(a -> assertThat(a).contains(third.id().substring(0, 12)).contains("big")));
        // a restore that needs the damaged listing restores the rest and names the directory and the blob
        RestoreResult partial = new RestoreRunner(damaged, RestoreOptions.defaults()).run(second.id(), tmp.resolve("damaged-restore"));
        assertThat(partial.ok()).isFalse();
        assertThat(partial.errors()).anySatisfy(e -> assertThat(e).contains("big/").contains("listing cannot be read")
                .contains(BlobId.parse(t1).shortHex()));
        assertThat(tmp.resolve("damaged-restore/big")).isEmptyDirectory();
    }
}
