package io.coffer.service;

import static io.coffer.service.ReflinkSnapshotTest.await;
import static io.coffer.service.ReflinkSnapshotTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory on btrfs (a loop-mounted image): a dir volume is a subvolume, its snapshot a
 * read-only subvolume snapshot (one instant of the volume, attached or not), and a volume made from
 * it a writable snapshot of that. Needs root and btrfs-progs: skipped on a workstation without
 * them, a failure in CI.
 */
class BtrfsSnapshotTest {
    @TempDir
    Path tmp;

    private Path mnt;
    private CofferService svc;

    @BeforeEach
    void mountBtrfs() throws Exception {
        boolean ok = Fixtures.isRoot() && Files.isExecutable(Path.of("/usr/sbin/mkfs.btrfs")) && Files.isExecutable(Path.of("/usr/bin/btrfs"));
        if (!ok && "true".equals(System.getenv("CI"))) throw new IllegalStateException("the btrfs test needs root and btrfs-progs in CI (.ci/run installs them)");
        assumeThat(ok).as("root, mkfs.btrfs and btrfs").isTrue();
        Path img = tmp.resolve("btrfs.img");
        sh("truncate", "-s", "1G", img.toString());
        sh("mkfs.btrfs", "-q", img.toString());
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        sh("mount", "-o", "loop", img.toString(), mnt.toString());
        svc = CofferService.start(ServiceConfig.defaults(mnt.resolve("data")), Clock.systemUTC());
    }

    @AfterEach
    void unmount() throws Exception {
        if (svc != null) svc.close();
        if (mnt != null) sh("umount", "-l", mnt.toString());
    }

    private static long inode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    private String subvolumes() throws Exception {
        return sh("btrfs", "subvolume", "list", mnt.toString());
    }

    @Test
    void dirVolumesAreSubvolumesAndTheirSnapshotsOneInstantEvenInUse() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("app", "1GiB", "dir", Map.of(), null));
        Path vol = Path.of(v.path());
        assertThat(inode(vol)).as("a subvolume's root").isEqualTo(256);
        Fixtures.richTree(vol);
        Files.delete(vol.resolve("a/hard1"));
        Files.delete(vol.resolve("hard2"));
        svc.attach("app", "db1");
        Map<String, String> before = TreeDigest.of(vol, Set.of(""));

        Snapshot s = svc.createSnapshot(new Requests.CreateSnapshot("app", "s1", Map.of()));
        Snapshot done = await(() -> svc.snapshot(s.id()), x -> x.status() != Snapshot.Status.CREATING);
        assertThat(done.status()).as(done.toString()).isEqualTo(Snapshot.Status.AVAILABLE);
        // attached, yet one instant: a plain directory cloned file by file would be "none"
        assertThat(done.consistency()).isEqualTo("crash");
        Path snap = Path.of(done.location());
        assertThat(inode(snap)).isEqualTo(256);
        assertThatThrownBy(() -> Files.write(snap.resolve("x"), new byte[1])).as("read-only").isInstanceOf(IOException.class);
        Files.write(vol.resolve("after-snapshot"), new byte[] {1, 2, 3});
        assertThat(TreeDigest.diff(before, TreeDigest.of(snap, Set.of("")))).isEmpty();

        // a volume from the snapshot: a writable subvolume of that instant, apart from both
        Volume copy = svc.createVolume(new Requests.CreateVolume("app-copy", null, null, Map.of(), s.id()));
        Volume ready = await(() -> svc.volume(copy.id()), x -> x.status() != Volume.Status.CREATING);
        assertThat(ready.status()).as(String.valueOf(ready.failReason())).isEqualTo(Volume.Status.AVAILABLE);
        Path copyPath = Path.of(ready.path());
        assertThat(inode(copyPath)).isEqualTo(256);
        assertThat(TreeDigest.diff(before, TreeDigest.of(copyPath, Set.of("")))).isEmpty();
        Files.write(copyPath.resolve("one.txt"), "changed".getBytes());
        assertThat(Files.readString(snap.resolve("one.txt"))).isEqualTo("x");
        assertThat(Files.readString(vol.resolve("one.txt"))).isEqualTo("x");

        // a restore into the volume leaves a subvolume in its place, the old one deleted
        svc.detach("app");
        Backup b = svc.createBackup(new Requests.CreateBackup("app", null, null, null, "b", null, false, false, Map.of()));
        Backup stored = await(() -> svc.backup(b.id()), x -> x.status() != Backup.Status.CREATING);
        assertThat(stored.status()).as(String.valueOf(stored.failReason())).isEqualTo(Backup.Status.AVAILABLE);
        Map<String, String> backedUp = TreeDigest.of(vol, Set.of(""));
        Files.write(vol.resolve("one.txt"), "lost by the restore".getBytes());
        svc.restore(b.id(), new Requests.Restore("app", null));
        await(() -> svc.volume("app"), x -> !x.busy());
        assertThat(inode(vol)).isEqualTo(256);
        assertThat(TreeDigest.diff(backedUp, TreeDigest.of(vol, Set.of("")))).isEmpty();

        // deleting them deletes their subvolumes, the read-only snapshot's too
        svc.deleteSnapshot(s.id());
        await(() -> Files.exists(snap), exists -> !exists);
        svc.deleteVolume(copy.id(), false);
        await(() -> Files.exists(copyPath), exists -> !exists);
        svc.deleteVolume(v.id(), false);
        await(() -> Files.exists(vol), exists -> !exists);
        await(() -> {
            try {
                return subvolumes();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, String::isEmpty);
    }

    @Test
    void aVolumeCopyForAQuiescedDatabaseIsAWritableSnapshot() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("db", "1GiB", "dir", Map.of(), null));
        Path vol = Path.of(v.path());
        Files.write(vol.resolve("PG_VERSION"), "15\n".getBytes());
        Path copy = mnt.resolve("copy");
        assertThat(io.coffer.volume.Reflinks.copyVolume(vol, copy, true)).isZero();
        assertThat(inode(copy)).as("a snapshot, not a tree of clones").isEqualTo(256);
        Files.write(copy.resolve("backup_label"), "written into the copy".getBytes());
        assertThat(vol.resolve("backup_label")).doesNotExist();
        assertThat(Files.readString(copy.resolve("PG_VERSION"))).isEqualTo("15\n");
        io.coffer.volume.Trees.deleteRecursively(copy);
        assertThat(copy).doesNotExist();
    }
}
