package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dry run names what a backup would read, as the backup then reads it, and writes nothing to the repository. */
class BackupPlanTest {
    @TempDir
    Path tmp;

    @Test
    void theFilesAPlanNamesAreTheFilesTheBackupReadsAndNothingIsWritten() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 6; i++) Files.write(src.resolve("f" + i), Fixtures.random(i, 10_000 * (i + 1)));
        Files.createDirectories(src.resolve("cache"));
        Files.writeString(src.resolve("cache/junk"), "left out");
        Path repoDir = tmp.resolve("repo");
        Repository repo = Repository.init(LocalObjectStore.open(repoDir), InitOptions.defaults(), null);
        BackupOptions ex = BackupOptions.defaults().withExcludes(List.of("cache/"), false);

        Map<String, Long> before = listing(repoDir);
        BackupPlan first = new BackupRunner(repo, ex).plan(src);
        assertThat(listing(repoDir)).isEqualTo(before); // not even a lock
        assertThat(first.files()).extracting(BackupPlan.Entry::path).containsExactly("f0", "f1", "f2", "f3", "f4", "f5");
        assertThat(first.files()).allMatch(e -> e.reason().equals(BackupPlan.NEW));
        assertThat(first.bytesToRead()).isEqualTo(210_000);
        assertThat(first.excluded()).isEqualTo(1);

        BackupResult full = new BackupRunner(repo, ex).run(src);
        assertThat(full.manifest().stats().bytesRead()).isEqualTo(first.bytesToRead());

        Files.write(src.resolve("f2"), Fixtures.random(99, 5_000));
        Files.writeString(src.resolve("g"), "new");
        BackupPlan next = new BackupRunner(repo, ex.withParent(full.id())).plan(src);
        assertThat(next.files()).extracting(e -> e.reason() + " " + e.path() + " " + e.size()).containsExactly("changed f2 5000", "new g 3");
        assertThat(next.filesUnchanged()).isEqualTo(5);
        BackupResult incr = new BackupRunner(repo, ex.withParent(full.id())).run(src);
        assertThat(incr.manifest().stats().bytesRead()).isEqualTo(next.bytesToRead());
        assertThat(incr.manifest().stats().filesUnchanged()).isEqualTo(next.filesUnchanged());
    }

    private static Map<String, Long> listing(Path dir) throws Exception {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) m.put(dir.relativize(p).toString(), Files.size(p));
        }
        return m;
    }
}
