package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.check.Checker;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repositories written by earlier Coffers (src/test/resources/fixtures, each with a README of how
 * it was made) stay readable: checked, restored bit-exact, and still readable by their writer
 * after this Coffer adds a backup.
 */
class RepositoryFixturesTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(RepositoryFixturesTest.class.getResource("/fixtures/" + name).toURI());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    /** Path -> SHA-256 of the regular files listed in a {@code sha256sum} file. */
    static Map<String, String> sums(Path file) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" +", 2);
            m.put(f[1].substring(2), f[0]); // "./docs/readme.txt"
        }
        return m;
    }

    /** The repository's backups, oldest first. */
    static List<String> byTime(Repository repo) throws IOException {
        Map<String, String> time = new HashMap<>();
        for (String id : repo.manifestIds()) time.put(id, repo.loadManifest(id).time());
        return time.keySet().stream().sorted(Comparator.comparing(time::get)).toList();
    }

    static void assertSums(Path restored, Map<String, String> expected) throws IOException {
        Map<String, String> got = new HashMap<>();
        try (Stream<Path> s = Files.walk(restored)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) got.put(restored.relativize(p).toString(), TreeDigest.sha256(p));
        }
        assertThat(got).isEqualTo(expected);
        assertThat(Files.readSymbolicLink(restored.resolve("docs/link")).toString()).isEqualTo("readme.txt");
    }

    @Test
    void anEncryptedRepositoryWrittenBeforeBlockGroupsReadsRestoresAndStaysVersion1() throws Exception {
        Path fx = fixture("repo-v1-encrypted");
        Path dir = tmp.resolve("repo");
        copyTree(fx.resolve("repo"), dir); // never touch the fixture itself
        Secret pw = new Secret.Password(Files.readString(fx.resolve("password"), StandardCharsets.UTF_8).toCharArray());
        Repository repo = Repository.open(LocalObjectStore.open(dir), pw);
        assertThat(repo.config().requiredFeatures()).doesNotContain(RepoConfig.GROUPS);
        assertThat(new Checker(repo).run(true).findings()).isEmpty();

        List<String> backups = byTime(repo);
        assertThat(backups).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("out" + i);
            assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(backups.get(i), out).errors()).isEmpty();
            assertSums(out, sums(fx.resolve("backup-" + (i + 1) + ".sha256")));
        }

        // a backup this Coffer adds (changed pages included) writes only what the old one reads
        Path src = tmp.resolve("src");
        new RestoreRunner(repo, RestoreOptions.defaults()).run(backups.get(1), src);
        Path rel = src.resolve("pgdata/base/5/16384");
        io.coffer.testing.Fixtures.overwrite(rel, 9 * 8192L, io.coffer.testing.Fixtures.random(9, 8192));
        io.coffer.testing.Fixtures.overwrite(rel, 30 * 8192L, io.coffer.testing.Fixtures.random(30, 8192));
        Map<String, String> now = TreeDigest.of(src);
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults().withParent(backups.get(1))).run(src);
        assertThat(b.manifest().stats().newBlobs()).isGreaterThanOrEqualTo(2);
        try (Stream<Path> s = Files.walk(dir.resolve("data"))) {
            for (Path pack : s.filter(Files::isRegularFile).toList()) assertThat(Files.readAllBytes(pack)[4]).as(pack.toString()).isEqualTo((byte) 1);
        }
        try (Stream<Path> s = Files.walk(dir.resolve("index"))) {
            for (Path index : s.filter(Files::isRegularFile).toList()) assertThat(Files.readAllBytes(index)[5]).as(index.toString()).isEqualTo((byte) 1);
        }
        Repository again = Repository.open(LocalObjectStore.open(dir), pw);
        assertThat(new Checker(again).run(true).findings()).isEmpty();
        Path out = tmp.resolve("out-new");
        assertThat(new RestoreRunner(again, RestoreOptions.defaults()).run(b.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.diff(now, TreeDigest.of(out))).isEmpty();
    }

    /**
     * A repository of block groups written before chunk lists: its 1,500-page file has its chunk
     * list inline in its directory's tree, and a backup this Coffer adds keeps it so (the
     * repository does not require {@code chunk-lists}, so no list blob is ever written to it).
     */
    @Test
    void aRepositoryWrittenBeforeChunkListsReadsRestoresAndGetsNoLists() throws Exception {
        Path fx = fixture("repo-v1-groups");
        Path dir = tmp.resolve("repo");
        copyTree(fx.resolve("repo"), dir);
        Repository repo = Repository.open(LocalObjectStore.open(dir), null);
        assertThat(repo.config().requiredFeatures()).contains(RepoConfig.GROUPS).doesNotContain(RepoConfig.CHUNK_LISTS);
        assertThat(new Checker(repo).run(true).findings()).isEmpty();
        List<String> backups = byTime(repo);
        assertThat(backups).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("out" + i);
            assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(backups.get(i), out).errors()).isEmpty();
            assertSums(out, sums(fx.resolve("backup-" + (i + 1) + ".sha256")));
        }

        Path src = tmp.resolve("src");
        new RestoreRunner(repo, RestoreOptions.defaults()).run(backups.get(1), src);
        Path rel = src.resolve("pgdata/base/5/16384");
        io.coffer.testing.Fixtures.overwrite(rel, 9 * 8192L, io.coffer.testing.Fixtures.random(9, 8192));
        io.coffer.testing.Fixtures.overwrite(rel, 1300 * 8192L, io.coffer.testing.Fixtures.random(1300, 8192));
        Map<String, String> now = TreeDigest.of(src);
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults().withParent(backups.get(1))).run(src);
        assertThat(b.manifest().stats().newBlobs()).isEqualTo(2 + 5); // the two pages, and every tree (a restored copy has new inodes)
        Node big = TreeWalker.find(repo, b.manifest().tree(), "pgdata/base/5/16384");
        assertThat(big.content()).hasSize(1500).noneMatch(ChunkLists::isList);
        Repository again = Repository.open(LocalObjectStore.open(dir), null);
        assertThat(new Checker(again).run(true).findings()).isEmpty();
        Path out = tmp.resolve("out-new");
        assertThat(new RestoreRunner(again, RestoreOptions.defaults()).run(b.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.diff(now, TreeDigest.of(out))).isEmpty();
    }
}
