package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeFind;
import io.coffer.store.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Matches by name at any depth and by path from the top, in each backup, with trees shared between backups searched once. */
class TreeFindTest {
    @TempDir
    Path tmp;

    @Test
    void namesAndPathsAreFoundInEveryBackupThatHoldsThem() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (String f : new String[] {"postgresql.conf", "conf.d/extra.conf", "base/1/100", "base/2/100", "log/x.log"}) {
            Files.createDirectories(src.resolve(f).getParent());
            Files.writeString(src.resolve(f), f);
        }
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        String first = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        Files.delete(src.resolve("conf.d/extra.conf"));
        Files.writeString(src.resolve("base/2/101"), "new");
        String second = new BackupRunner(repo, BackupOptions.defaults().withParent(first)).run(src).id();

        assertThat(paths(repo, first, "*.conf")).containsExactly("conf.d/extra.conf", "postgresql.conf");
        assertThat(paths(repo, second, "*.conf")).containsExactly("postgresql.conf");
        assertThat(paths(repo, second, "100")).containsExactly("base/1/100", "base/2/100");
        assertThat(paths(repo, second, "base/*/10?")).containsExactly("base/1/100", "base/2/100", "base/2/101");
        assertThat(paths(repo, first, "/base/2/*")).containsExactly("base/2/100");
        assertThat(paths(repo, second, "log/")).containsExactly("log");
        assertThat(paths(repo, second, "nothing-like-this")).isEmpty();

        // one finder for both backups: the cached matches of shared trees come back under the right paths
        TreeFind f = new TreeFind(repo, PathPatterns.of("find", List.of("100")));
        assertThat(f.in(repo.loadManifest(first))).extracting(TreeFind.Match::path).containsExactly("base/1/100", "base/2/100");
        assertThat(f.in(repo.loadManifest(second))).extracting(TreeFind.Match::path).containsExactly("base/1/100", "base/2/100");
    }

    private static List<String> paths(Repository repo, String id, String pattern) throws Exception {
        return new TreeFind(repo, PathPatterns.of("find", List.of(pattern))).in(repo.loadManifest(id)).stream().map(TreeFind.Match::path).toList();
    }
}
