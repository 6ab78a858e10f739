package io.coffer.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.store.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restores that leave out or take only some entries, by the patterns of backup --exclude. */
class RestorePatternsTest {
    @TempDir
    Path tmp;

    @Test
    void excludesLeaveOutIncludesTakeOnlyAndDeleteKeepsWhatTheyLeftOut() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (String f : new String[] {"postgresql.conf", "pg_hba.conf", "base/1/100", "base/1/101", "pg_wal/000000010000000000000001",
                "pg_wal/archive_status/x.done", "log/today.log", "deep/er/still.conf"}) {
            Files.createDirectories(src.resolve(f).getParent());
            Files.writeString(src.resolve(f), f);
        }
        Files.createDirectories(src.resolve("empty"));
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        String id = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();

        Path a = tmp.resolve("a");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults().withPatterns(List.of("pg_wal/", "*.log"), List.of())).run(id, a).errors()).isEmpty();
        assertThat(files(a)).containsExactly("base/1/100", "base/1/101", "deep/er/still.conf", "empty/", "log/", "pg_hba.conf", "postgresql.conf");

        Path b = tmp.resolve("b");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults().withPatterns(List.of("deep/"), List.of("*.conf", "/base/1"))).run(id, b).errors()).isEmpty();
        assertThat(files(b)).containsExactly("base/1/100", "base/1/101", "pg_hba.conf", "postgresql.conf");

        // --delete with patterns: what they leave out stays where it is, the rest is as the backup was
        Files.writeString(b.resolve("pg_wal.old"), "an operator's file, not in the selection"); // matches no include: kept
        Files.writeString(b.resolve("stale.conf"), "matches an include, not in the backup"); // deleted
        Files.createDirectories(b.resolve("log"));
        Files.writeString(b.resolve("log/other.log"), "kept");
        Files.writeString(b.resolve("base/1/999"), "stale, inside an included directory"); // deleted
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults().withDelete(true).withPatterns(List.of(), List.of("*.conf", "/base/1"))).run(id, b);
        assertThat(r.errors()).isEmpty();
        assertThat(r.deleted()).isEqualTo(2);
        assertThat(b.resolve("base/1/999")).doesNotExist();
        assertThat(b.resolve("stale.conf")).doesNotExist();
        assertThat(b.resolve("log/other.log")).exists();
        assertThat(b.resolve("pg_wal.old")).exists();
        assertThat(files(b)).contains("deep/er/still.conf", "postgresql.conf");

        assertThatThrownBy(() -> RestoreOptions.defaults().withPatterns(List.of(), List.of("[oops"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("include pattern '[oops'");
    }

    /** Files below {@code root}, and directories that hold none, '/'-terminated; sorted. */
    private static List<String> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).filter(p -> {
                if (!Files.isDirectory(p)) return true;
                try (Stream<Path> in = Files.list(p)) {
                    return in.findAny().isEmpty();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }).map(p -> root.relativize(p) + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
        }
    }
}
