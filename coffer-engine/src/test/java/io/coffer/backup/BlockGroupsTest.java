package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.repo.BlobId;
import io.coffer.repo.InitOptions;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Pack;
import io.coffer.repo.PackInfo;
import io.coffer.repo.RepoConfig;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import io.coffer.repo.Tree;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.stats.RepoStats;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixed blocks stored in groups (feature {@code block-groups}): one frame, a blob per block. */
class BlockGroupsTest {
    @TempDir
    Path tmp;

    /** A relation file of {@code pages} distinct 8 KiB pages that compress well, as a database's do. */
    static byte[] relation(long seed, int pages) {
        byte[] file = new byte[pages * 8192];
        byte[] text = Fixtures.text(seed, 8192);
        for (int i = 0; i < pages; i++) {
            System.arraycopy(text, 0, file, i * 8192, 8192);
            for (int k = 0; k < 8; k++) file[i * 8192 + k * 1024] = (byte) (i >>> (k % 4 * 8)); // every page differs
        }
        return file;
    }

    Path source() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path base = Files.createDirectories(src.resolve("pgdata/base/5"));
        Files.write(base.resolve("16384"), relation(1, 1500));
        Files.write(base.resolve("16385"), relation(2, 300));
        Files.write(base.resolve("16386"), Fixtures.random(3, 40 * 8192)); // incompressible pages
        Files.write(src.resolve("pgdata/postgresql.conf"), Fixtures.text(4, 30_000));
        return src;
    }

    static Set<String> frames(Repository repo) {
        Set<String> frames = new HashSet<>();
        for (PackInfo p : repo.index().packs()) for (Pack.Entry e : p.blobs()) if (e.grouped()) frames.add(p.id() + "@" + e.offset());
        return frames;
    }

    static long groupedBlobs(Repository repo) {
        return repo.index().packs().stream().flatMap(p -> p.blobs().stream()).filter(Pack.Entry::grouped).count();
    }

    @Test
    void pagesAreStoredInGroupsStoreLessAndRestoreBitExact() throws IOException {
        Path src = source();
        Map<String, String> before = TreeDigest.of(src);
        Repository grouped = Repository.init(LocalObjectStore.open(tmp.resolve("grouped")), InitOptions.defaults(), new Secret.Password("pw".toCharArray()));
        Repository alone = Repository.init(LocalObjectStore.open(tmp.resolve("alone")), InitOptions.defaults().withBlockGroups(false), new Secret.Password("pw".toCharArray()));
        assertThat(grouped.config().requiredFeatures()).contains(RepoConfig.GROUPS);
        assertThat(alone.config().requiredFeatures()).doesNotContain(RepoConfig.GROUPS);
        BackupResult g = new BackupRunner(grouped, BackupOptions.defaults()).run(src);
        BackupResult a = new BackupRunner(alone, BackupOptions.defaults()).run(src);

        // every page is still a blob of its own, with its own index entry
        assertThat(g.manifest().stats().newBlobs()).isEqualTo(a.manifest().stats().newBlobs());
        assertThat(groupedBlobs(grouped)).isEqualTo(1840);
        // ... in groups of up to 1 MiB (128 pages): 1840 pages, a region per file
        assertThat(frames(grouped)).hasSizeBetween(15, 20);
        assertThat(groupedBlobs(alone)).isZero();
        // pages compressed together keep far less than pages compressed alone
        assertThat(g.manifest().stats().newStoredBytes()).isLessThan(a.manifest().stats().newStoredBytes() * 2 / 3);
        // stats count each group's bytes once
        RepoStats st = RepoStats.of(grouped);
        assertThat(st.blobBytesStored()).isLessThan(g.manifest().stats().newStoredBytes() + 64 * 1024);
        assertThat(st.groupedBlobs()).isEqualTo(1840);
        assertThat(st.groups()).isEqualTo(frames(grouped).size());
        assertThat(RepoStats.of(alone).groupedBlobs()).isZero();

        for (Repository r : List.of(grouped, alone)) {
            Path out = tmp.resolve("out-" + r.config().id());
            RestoreRunner runner = new RestoreRunner(r, RestoreOptions.defaults());
            RestoreResult res = runner.run(r == grouped ? g.id() : a.id(), out);
            assertThat(res.errors()).isEmpty();
            assertThat(TreeDigest.diff(before, TreeDigest.of(out))).isEmpty();
            CheckResult c = new Checker(r).run(true);
            assertThat(c.findings()).isEmpty();
            assertThat(c.blobsRead()).isGreaterThanOrEqualTo(1840);
        }
        // a repository without groups still writes what older readers know: version 1 packs only
        for (Path pack : Files.walk(tmp.resolve("alone/data")).filter(Files::isRegularFile).toList()) {
            assertThat(Files.readAllBytes(pack)[4]).isEqualTo((byte) 1);
        }
    }

    @Test
    void smallFilesAreStoredInGroupsAcrossFilesAndRestoreBitExact() throws IOException {
        // small files alike in part, as a tree of sources or configs is (a licence header in each)
        Path src = Files.createDirectories(tmp.resolve("small"));
        byte[] header = Fixtures.text(42, 1500);
        for (int d = 0; d < 6; d++) {
            Path dir = Files.createDirectories(src.resolve("d" + d));
            for (int f = 0; f < 400; f++) {
                byte[] own = Fixtures.text(d * 1000 + f, 200 + f * 5);
                byte[] file = java.util.Arrays.copyOf(header, header.length + own.length);
                System.arraycopy(own, 0, file, header.length, own.length);
                Files.write(dir.resolve("f" + f), file);
            }
        }
        Files.write(src.resolve("twice-a"), Fixtures.text(7, 3000));
        Files.write(src.resolve("twice-b"), Fixtures.text(7, 3000)); // the same chunk: stored once
        Files.write(src.resolve("large"), Fixtures.random(8, 3 << 20)); // chunks of 256 KiB and more: alone
        Map<String, String> before = TreeDigest.of(src);
        Repository grouped = Repository.init(LocalObjectStore.open(tmp.resolve("grouped")), InitOptions.defaults(), new Secret.Password("pw".toCharArray()));
        Repository alone = Repository.init(LocalObjectStore.open(tmp.resolve("alone")), InitOptions.defaults().withBlockGroups(false), new Secret.Password("pw".toCharArray()));
        BackupResult g = new BackupRunner(grouped, BackupOptions.defaults()).run(src);
        BackupResult a = new BackupRunner(alone, BackupOptions.defaults()).run(src);
        long inGroups = groupedBlobs(grouped);
        // 2,400 files and one twice, and the last chunk of 'large' may be small too; what is left
        // in a worker's group at the end may be a single blob, which is stored alone
        assertThat(inGroups).isBetween(2399L, 2402L);
        assertThat(frames(grouped)).hasSizeLessThan(20);
        // compressed together, the small files keep less than half of what they keep one by one
        long large = 3 << 20; // random: stored raw either way
        assertThat(g.manifest().stats().newStoredBytes() - large).isLessThan((a.manifest().stats().newStoredBytes() - large) / 2);
        Path out = tmp.resolve("out");
        assertThat(new RestoreRunner(grouped, RestoreOptions.defaults()).run(g.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.diff(before, TreeDigest.of(out))).isEmpty();
        assertThat(new Checker(grouped).run(true).findings()).isEmpty();

        // an incremental stores its new small files in groups of their own; both restore
        for (int f = 0; f < 50; f++) Files.write(src.resolve("d2/new" + f), Fixtures.text(90_000 + f, 700));
        Map<String, String> after = TreeDigest.of(src);
        BackupResult inc = new BackupRunner(grouped, BackupOptions.defaults().withParent(g.id())).run(src);
        assertThat(groupedBlobs(grouped) - inGroups).isBetween(48L, 50L);
        assertThat(new RestoreRunner(grouped, RestoreOptions.defaults()).run(inc.id(), tmp.resolve("out2")).errors()).isEmpty();
        assertThat(TreeDigest.diff(after, TreeDigest.of(tmp.resolve("out2")))).isEmpty();
    }

    @Test
    void blocksLargerThanAGroupAreStoredAloneAndSmallerOnesBesideThemInGroups() throws IOException {
        // an image in 2 MiB blocks (larger than a group), then one in 64 KiB blocks
        Repository big = Repository.init(LocalObjectStore.open(tmp.resolve("big")),
                InitOptions.defaults().withFixed(new RepoConfig.Fixed(8192, 2 << 20, RepoConfig.DEFAULT_DATABASE_GLOBS)), null);
        Path img = tmp.resolve("disk.img");
        Files.write(img, Fixtures.random(5, (5 << 20) + 12345));
        BackupResult b = new BackupRunner(big, BackupOptions.defaults()).run(img);
        assertThat(groupedBlobs(big)).isZero();
        // three blocks (2, 2 and 1 MiB and a bit) and the file's listing
        assertThat(b.manifest().stats().newBlobs()).isEqualTo(3 + 1);
        assertThat(big.readTree(b.manifest().tree()).nodes().get(0).content()).hasSize(3);
        Path out = tmp.resolve("restored.img");
        assertThat(new RestoreRunner(big, RestoreOptions.defaults()).run(b.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.sha256(out)).isEqualTo(TreeDigest.sha256(img));

        Repository usual = Repository.init(LocalObjectStore.open(tmp.resolve("usual")), InitOptions.defaults(), null);
        BackupResult u = new BackupRunner(usual, BackupOptions.defaults()).run(img);
        // 64 KiB blocks: 80 whole ones in five groups of 16; the tail, left alone, is stored as a plain blob
        assertThat(groupedBlobs(usual)).isEqualTo(80);
        assertThat(frames(usual)).hasSize(5);
        Path out2 = tmp.resolve("restored2.img");
        assertThat(new RestoreRunner(usual, RestoreOptions.defaults()).run(u.id(), out2).errors()).isEmpty();
        assertThat(TreeDigest.sha256(out2)).isEqualTo(TreeDigest.sha256(img));
    }

    @Test
    void blocksThatDoNotDivideAMegabyteStayAlignedAndAnIncrementalStoresTheChangedOneOnly() throws IOException {
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("r12")),
                InitOptions.defaults().withFixed(new RepoConfig.Fixed(12288, 64 << 10, RepoConfig.DEFAULT_DATABASE_GLOBS)), null);
        Path src = Files.createDirectories(tmp.resolve("db"));
        Path rel = Files.createDirectories(src.resolve("base/1")).resolve("2600");
        Files.write(rel, Fixtures.random(6, 300 * 12288 + 100));
        BackupResult first = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        Node n = fileNode12(repo, first.id());
        assertThat(n.chunking()).isEqualTo("fixed:12288");
        assertThat(n.content()).hasSize(301);
        Fixtures.overwrite(rel, 250 * 12288L + 7, Fixtures.random(7, 100)); // inside block 250, far past the first megabyte
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult second = new BackupRunner(repo, BackupOptions.defaults().withParent(first.id())).run(src);
        assertThat(second.manifest().stats().newBlobs()).as("one block and the three listings on its path").isEqualTo(1 + 3);
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(second.id(), tmp.resolve("out12")).errors()).isEmpty();
        assertThat(TreeDigest.diff(v2, TreeDigest.of(tmp.resolve("out12")))).isEmpty();
    }

    static Node fileNode12(Repository repo, String backup) throws IOException {
        Tree t = repo.readTree(repo.loadManifest(backup).tree());
        for (String dir : new String[] {"base", "1"}) t = repo.readTree(t.nodes().stream().filter(x -> x.name().equals(dir)).findFirst().orElseThrow().subtree());
        return t.nodes().get(0);
    }

    @Test
    void anIncrementalGroupsTheChangedPagesAndPruneKeepsOnlyTheLiveOnes() throws IOException {
        Path src = source();
        Path rel = src.resolve("pgdata/base/5/16384");
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        BackupResult first = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        Map<String, String> v1 = TreeDigest.of(src);
        int[] changed = {3, 130, 131, 700, 1499};
        for (int page : changed) Fixtures.overwrite(rel, page * 8192L, Fixtures.random(1000 + page, 8192));
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult second = new BackupRunner(repo, BackupOptions.defaults().withParent(first.id())).run(src);
        // the five changed pages, the directory listings on the path to the file, and its chunk list
        assertThat(second.manifest().stats().newBlobs()).isEqualTo(changed.length + 4 + 1);
        Node file = fileNode(repo, second.id());
        Set<String> frames = new HashSet<>();
        for (int page : changed) {
            MasterIndex.Location loc = repo.index().find(BlobId.parse(Fixtures.chunks(repo, file).get(page)));
            assertThat(loc.grouped()).isTrue();
            frames.add(loc.pack().id() + "@" + loc.offset());
        }
        assertThat(frames).as("the changed pages of one region share one group").hasSize(1);
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(first.id(), tmp.resolve("v1")).errors()).isEmpty();
        assertThat(TreeDigest.diff(v1, TreeDigest.of(tmp.resolve("v1")))).isEmpty();
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(second.id(), tmp.resolve("v2")).errors()).isEmpty();
        assertThat(TreeDigest.diff(v2, TreeDigest.of(tmp.resolve("v2")))).isEmpty();

        // forget the first backup: its five old pages are dead inside their groups; a prune that
        // repacks regroups the live pages and leaves the dead ones behind
        repo.store().delete("manifests/" + first.id());
        long liveBefore = groupedBlobs(repo);
        PruneResult p = new Pruner(repo, 0.0).run();
        assertThat(p.packsRepacked()).isPositive();
        Repository fresh = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), null);
        assertThat(groupedBlobs(fresh)).isEqualTo(liveBefore - changed.length);
        assertThat(new Checker(fresh).run(true).findings()).isEmpty();
        assertThat(new RestoreRunner(fresh, RestoreOptions.defaults()).run(second.id(), tmp.resolve("v2-after")).errors()).isEmpty();
        assertThat(TreeDigest.diff(v2, TreeDigest.of(tmp.resolve("v2-after")))).isEmpty();
    }

    @Test
    void aDamagedGroupIsOneFindingNamingEveryFileThatUsesItAndOnlyThoseFailToRestore() throws Exception {
        Path src = source();
        Path repoDir = tmp.resolve("repo");
        Repository repo = Repository.init(LocalObjectStore.open(repoDir), InitOptions.defaults(), new Secret.Password("pw".toCharArray()));
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        // damage the group that holds page 0 of 16385 (a file of 300 pages: three groups)
        Node victim = fileNode(repo, b.id(), "16385");
        MasterIndex.Location loc = repo.index().find(BlobId.parse(Fixtures.chunks(repo, victim).get(0)));
        assertThat(loc.grouped()).isTrue();
        String packId = Fixtures.damage(repoDir, loc, 0x10);
        Repository reopened = Repository.open(LocalObjectStore.open(repoDir), new Secret.Password("pw".toCharArray()));
        CheckResult full = new Checker(reopened).run(true);
        assertThat(full.ok()).isFalse();
        // the pack no longer matches its name; one finding for the group (not one per page); one
        // naming the file its pages belong to
        assertThat(full.findings()).anySatisfy(f -> assertThat(f.message()).contains(packId).contains("SHA-256 mismatch"));
        assertThat(full.findings()).filteredOn(f -> f.object().equals("data/" + packId) && f.message().contains("group")).hasSize(1)
                .first().satisfies(f -> assertThat(f.message()).contains("group").contains("at offset " + loc.offset()).contains("damaged"));
        assertThat(full.findings()).filteredOn(f -> !f.affected().isEmpty()).hasSize(1).first().satisfies(f -> {
            assertThat(f.affected()).containsExactly("backup " + b.id().substring(0, 12) + ": pgdata/base/5/16385");
            assertThat(f.object()).startsWith("128 blobs");
        });
        assertThat(full.findings()).allSatisfy(f -> assertThat(String.join(" ", f.affected())).doesNotContain("16384"));

        RestoreResult r = new RestoreRunner(reopened, RestoreOptions.defaults()).run(b.id(), tmp.resolve("out"));
        assertThat(r.errors()).hasSize(1).first().asString().contains("16385").contains(packId).contains("damaged");
        assertThat(tmp.resolve("out/pgdata/base/5/16385")).doesNotExist();
        assertThat(Files.readAllBytes(tmp.resolve("out/pgdata/base/5/16384"))).isEqualTo(relation(1, 1500));
        assertThat(Files.readAllBytes(tmp.resolve("out/pgdata/base/5/16386"))).isEqualTo(Fixtures.random(3, 40 * 8192));
    }

    static Node fileNode(Repository repo, String backup) throws IOException {
        return fileNode(repo, backup, "16384");
    }

    static Node fileNode(Repository repo, String backup, String name) throws IOException {
        Tree t = repo.readTree(repo.loadManifest(backup).tree());
        for (String dir : new String[] {"pgdata", "base", "5"}) {
            t = repo.readTree(t.nodes().stream().filter(n -> n.name().equals(dir)).findFirst().orElseThrow().subtree());
        }
        return t.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }
}
