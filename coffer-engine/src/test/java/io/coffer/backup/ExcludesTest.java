package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.repo.InitOptions;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeWalker;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExcludesTest {
    @TempDir
    Path tmp;

    static boolean excluded(List<String> patterns, String rel, boolean dir) {
        return PathPatterns.of("exclude", patterns).matches(Path.of(rel), dir);
    }

    @Test
    void namesMatchAtAnyDepthPathsFromTheTopAndATrailingSlashMeansDirectories() {
        assertThat(excluded(List.of("*.tmp"), "a.tmp", false)).isTrue();
        assertThat(excluded(List.of("*.tmp"), "x/y/a.tmp", false)).isTrue();
        assertThat(excluded(List.of("*.tmp"), "x/a.tmp/y", false)).isFalse(); // only the entry's own name
        assertThat(excluded(List.of("*.tmp"), "a.tmpx", false)).isFalse();
        assertThat(excluded(List.of("cache/*"), "cache/a", false)).isTrue();
        assertThat(excluded(List.of("cache/*"), "x/cache/a", false)).isFalse(); // a path pattern starts at the top
        assertThat(excluded(List.of("cache/*"), "cache/a/b", false)).isFalse(); // '*' stays within a name
        assertThat(excluded(List.of("var/**"), "var/log/x/y", false)).isTrue();
        assertThat(excluded(List.of("/pg_wal/*"), "pg_wal/000000010000000000000001", false)).isTrue();
        assertThat(excluded(List.of("/core"), "core", false)).isTrue();
        assertThat(excluded(List.of("/core"), "a/core", false)).isFalse(); // anchored
        assertThat(excluded(List.of("tmp/"), "a/tmp", true)).isTrue();
        assertThat(excluded(List.of("tmp/"), "a/tmp", false)).isFalse(); // a file named tmp stays
        assertThat(excluded(List.of("{a,b}.log", "[0-9]?"), "b.log", false)).isTrue();
        assertThat(excluded(List.of("{a,b}.log", "[0-9]?"), "7z", false)).isTrue();
        assertThat(excluded(List.of(), "anything", true)).isFalse();
    }

    @Test
    void aPatternThatNamesNothingOrIsNoGlobIsRefusedByName() {
        for (String bad : new String[] {"", "/", "//", "a//", "[abc"}) {
            assertThatThrownBy(() -> BackupOptions.defaults().withExcludes(List.of("ok", bad), false)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void leftOutEntriesAreNotInTheBackupAndTheRestIsBitExact() throws IOException {
        Path src = tmp.resolve("src");
        Fixtures.richTree(src);
        Files.createDirectories(src.resolve("cache/deep/er"));
        Files.write(src.resolve("cache/deep/er/blob.bin"), Fixtures.random(1, 100_000));
        Files.write(src.resolve("a/junk.tmp"), Fixtures.random(2, 10_000));
        Files.write(src.resolve("keep.tmp.txt"), Fixtures.random(3, 10_000));
        Files.createDirectories(src.resolve("a/tmp"));
        Files.write(src.resolve("a/tmp/x"), Fixtures.random(4, 1_000));
        Files.write(src.resolve("tmp"), Fixtures.random(5, 1_000)); // a file named like the excluded directory
        Map<String, String> all = TreeDigest.of(src);
        Map<String, String> want = new TreeMap<>(all);
        want.keySet().removeIf(k -> k.equals("cache") || k.startsWith("cache/") || k.endsWith(".tmp") || k.equals("a/tmp") || k.startsWith("a/tmp/"));
        assertThat(want).containsKey("tmp").containsKey("keep.tmp.txt").hasSizeLessThan(all.size() - 4);

        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        BackupRunner runner = new BackupRunner(repo, BackupOptions.defaults().withExcludes(List.of("/cache", "*.tmp", "tmp/"), false));
        BackupResult b = runner.run(src);
        assertThat(b.warnings()).isEmpty();
        assertThat(runner.progress().excluded()).isEqualTo(3); // cache, a/junk.tmp, a/tmp: nothing below them is looked at
        // the manifest says what was left out, as given
        assertThat(repo.loadManifest(b.id()).excludes()).containsExactly("/cache", "*.tmp", "tmp/");
        assertThat(repo.loadManifest(b.id()).oneFileSystem()).isNull();
        Path out = tmp.resolve("out");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(b.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.diff(want, TreeDigest.of(out))).isEmpty();

        // an incremental with other excludes takes back what they no longer leave out
        BackupResult next = new BackupRunner(repo, BackupOptions.defaults().withParent(b.id()).withExcludes(List.of("*.tmp"), false)).run(src);
        Path out2 = tmp.resolve("out2");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(next.id(), out2).errors()).isEmpty();
        Map<String, String> want2 = new TreeMap<>(all);
        want2.keySet().removeIf(k -> k.endsWith(".tmp"));
        assertThat(TreeDigest.diff(want2, TreeDigest.of(out2))).isEmpty();
    }

    @Test
    void oneFileSystemKeepsMountPointsEmpty() throws IOException {
        // /dev is devtmpfs and /dev/shm a tmpfs mounted on it, on every Linux machine this runs on
        Path dev = Path.of("/dev");
        Path shm = dev.resolve("shm");
        assertThat(Files.getAttribute(shm, "unix:dev")).as("/dev/shm must be a mount point for this test").isNotEqualTo(Files.getAttribute(dev, "unix:dev"));
        Path marker = Files.createTempFile(shm, "coffer-xdev-", ".txt");
        try {
            Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
            List<String> inside = paths(repo, new BackupRunner(repo, BackupOptions.defaults().withExcludes(List.of(), false)).run(dev).id());
            assertThat(inside).contains("shm", "shm/" + marker.getFileName());
            BackupRunner x = new BackupRunner(repo, BackupOptions.defaults().withExcludes(List.of(), true));
            String xid = x.run(dev).id();
            assertThat(repo.loadManifest(xid).oneFileSystem()).isTrue();
            assertThat(repo.loadManifest(xid).excludes()).isNull();
            List<String> stay = paths(repo, xid);
            assertThat(stay).contains("shm").noneMatch(p -> p.startsWith("shm/"));
            assertThat(x.progress().excluded()).isPositive();
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    private static List<String> paths(Repository repo, String id) throws IOException {
        List<String> out = new ArrayList<>();
        TreeWalker.walk(repo, repo.loadManifest(id).tree(), "", null, (path, node) -> out.add(path), null);
        return out;
    }
}
