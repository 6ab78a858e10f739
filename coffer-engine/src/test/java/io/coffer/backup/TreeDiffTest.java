package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeDiff;
import io.coffer.store.LocalObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of change between two backups is found, and nothing else. */
class TreeDiffTest {
    @TempDir
    Path tmp;

    @Test
    void addedRemovedModifiedRetypedAndMetadataChangesAreListedInPathOrder() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        Files.createDirectories(src.resolve("a"));
        Files.writeString(src.resolve("a/x"), "one");
        Files.writeString(src.resolve("a/y"), "same");
        Files.createDirectories(src.resolve("b/deep"));
        Files.writeString(src.resolve("b/f1"), "gone");
        Files.writeString(src.resolve("b/deep/f2"), "gone too");
        Files.createSymbolicLink(src.resolve("l"), Path.of("a/x"));
        Files.writeString(src.resolve("m"), "mode");
        Files.writeString(src.resolve("t"), "a file first");
        Files.createDirectories(src.resolve("untouched/sub"));
        Files.writeString(src.resolve("untouched/sub/z"), "z");
        String first = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();

        Files.writeString(src.resolve("a/new"), "12345");
        Files.writeString(src.resolve("a/x"), "two!");
        Files.setLastModifiedTime(src.resolve("a/y"), FileTime.fromMillis(1_000_000));
        Files.delete(src.resolve("b/deep/f2"));
        Files.delete(src.resolve("b/deep"));
        Files.delete(src.resolve("b/f1"));
        Files.delete(src.resolve("b"));
        Files.delete(src.resolve("l"));
        Files.createSymbolicLink(src.resolve("l"), Path.of("a/y"));
        Files.setPosixFilePermissions(src.resolve("m"), PosixFilePermissions.fromString("rwx------"));
        Files.delete(src.resolve("t"));
        Files.createDirectories(src.resolve("t"));
        Files.writeString(src.resolve("t/inner"), "now a directory");
        String second = new BackupRunner(repo, BackupOptions.defaults().withParent(first)).run(src).id();

        List<String> seen = new ArrayList<>();
        TreeDiff.Summary s = TreeDiff.compare(repo, first, second, c -> seen.add(c.kind().letter + " " + c.path() + (c.what().isEmpty() ? "" : " " + c.what())));
        // the directories whose contents changed (a, t) changed their mtime too
        assertThat(seen).containsExactly("U a [mtime]", "+ a/new", "M a/x [mtime]", "U a/y [mtime]", "- b", "- b/deep", "- b/deep/f2", "- b/f1",
                "M l [mtime]", "U m [mode]", "T t", "+ t/inner");
        assertThat(s.added()).isEqualTo(2);
        assertThat(s.bytesAdded()).isEqualTo(5 + 15);
        assertThat(s.removed()).isEqualTo(4);
        assertThat(s.bytesRemoved()).isEqualTo(4 + 8);
        assertThat(s.modified()).isEqualTo(2);
        assertThat(s.typeChanged()).isEqualTo(1);
        assertThat(s.metadata()).isEqualTo(3);

        List<String> none = new ArrayList<>();
        TreeDiff.compare(repo, second, second, c -> none.add(c.path()));
        assertThat(none).isEmpty();
    }
}
