package io.coffer.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --delete makes the target what the backup was: extra files, directories and links go, nothing outside it is touched. */
class RestoreDeleteTest {
    @TempDir
    Path tmp;

    @Test
    void extraEntriesAreDeletedOnlyWhenAskedAndOnlyInsideTheTarget() throws Exception {
        Path src = tmp.resolve("src");
        Fixtures.richTree(src);
        Map<String, String> want = TreeDigest.of(src);
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        String id = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();

        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep-me"), "not in the target");
        Path target = tmp.resolve("target");
        for (boolean delete : new boolean[] {false, true}) {
            Files.createDirectories(target.resolve("a/b/extra-dir/deeper"));
            Files.writeString(target.resolve("a/b/extra-dir/deeper/x"), "stale");
            Files.writeString(target.resolve("stale.wal"), "stale");
            Files.writeString(target.resolve("a/text.log"), "older content, replaced by the restore");
            Files.createSymbolicLink(target.resolve("to-outside"), outside);
            RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults().withDelete(delete)).run(id, target);
            assertThat(r.errors()).isEmpty();
            assertThat(r.warnings()).isEmpty();
            if (delete) {
                assertThat(r.deleted()).isEqualTo(5); // extra-dir, deeper, x, stale.wal, to-outside
                assertThat(TreeDigest.diff(want, TreeDigest.of(target, Set.of("")))).isEmpty();
            } else {
                assertThat(r.deleted()).isZero();
                assertThat(target.resolve("stale.wal")).exists();
                assertThat(target.resolve("a/b/extra-dir/deeper/x")).exists();
                Files.delete(target.resolve("to-outside"));
            }
            assertThat(Files.readString(target.resolve("a/text.log"))).isEqualTo(Files.readString(src.resolve("a/text.log")));
        }
        assertThat(outside.resolve("keep-me")).hasContent("not in the target");

        // with --path, only below the restored directory
        Files.writeString(target.resolve("stale.wal"), "stale");
        Files.writeString(target.resolve("a/b/new-extra"), "stale");
        RestoreResult sub = new RestoreRunner(repo, RestoreOptions.defaults().withPath("a/b").withDelete(true)).run(id, target);
        assertThat(sub.deleted()).isEqualTo(1);
        RestoreResult file = new RestoreRunner(repo, RestoreOptions.defaults().withPath("a/text.log").withDelete(true)).run(id, target);
        assertThat(file.deleted()).isZero();
        assertThat(file.warnings()).singleElement().asString().contains("one file, not a directory");
        assertThat(target.resolve("a/b/new-extra")).doesNotExist();
        assertThat(target.resolve("stale.wal")).exists();

        // a mount point in the target is left alone, and said so
        Path dev = Path.of("/dev/shm"); // a tmpfs on every Linux machine this runs on; bind-mounting needs root (CI runs as root)
        if (Fixtures.isRoot() && !Files.getAttribute(dev, "unix:dev").equals(Files.getAttribute(tmp, "unix:dev"))) {
            Path onShm = Files.createTempDirectory(dev, "coffer-delete-");
            try {
                Files.writeString(onShm.resolve("other-fs"), "not ours");
                Path mnt = Files.createDirectories(target.resolve("mnt"));
                run("mount", "--bind", onShm.toString(), mnt.toString());
                try {
                    RestoreResult m = new RestoreRunner(repo, RestoreOptions.defaults().withDelete(true)).run(id, target);
                    assertThat(m.warnings()).singleElement().asString().contains("another file system");
                    assertThat(onShm.resolve("other-fs")).exists();
                } finally {
                    run("umount", mnt.toString());
                }
            } finally {
                Files.deleteIfExists(onShm.resolve("other-fs"));
                Files.deleteIfExists(onShm);
            }
        }
        assertThatThrownBy(() -> new RestoreRunner(repo, RestoreOptions.defaults().withDelete(true)).run(id, Path.of("/")))
                .hasMessageContaining("restore --delete into /");
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
