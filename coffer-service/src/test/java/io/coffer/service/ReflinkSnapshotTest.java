package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reflink path for real: the data directory on an XFS filesystem (reflink=1) in a loop-mounted
 * image. An image volume holds an ext4 filesystem mounted through its own loop device, so its
 * snapshot freezes that filesystem for the instant of the clone. Needs root, xfsprogs and
 * e2fsprogs: skipped on a workstation without them, a failure in CI.
 */
class ReflinkSnapshotTest {
    private static final long RANGE = 8L << 20;
    @TempDir
    Path tmp;

    private final List<List<String>> cleanup = new ArrayList<>();
    private CofferService svc;
    private Path data;

    static void requireTools() {
        boolean ok = Fixtures.isRoot() && Files.isExecutable(Path.of("/usr/sbin/mkfs.xfs")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"));
        if (!ok && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("the reflink test needs root, xfsprogs and e2fsprogs in CI (.ci/run installs them)");
        }
        assumeThat(ok).as("root, mkfs.xfs and mkfs.ext4").isTrue();
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        String[] resolved = cmd.clone();
        for (String dir : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            if (!cmd[0].contains("/") && Files.isExecutable(Path.of(dir, cmd[0]))) {
                resolved[0] = dir + "/" + cmd[0];
                break;
            }
        }
        Process p = new ProcessBuilder(resolved).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    @BeforeEach
    void mountXfs() throws Exception {
        requireTools();
        Path img = tmp.resolve("xfs.img");
        sh("truncate", "-s", "1G", img.toString());
        sh("mkfs.xfs", "-q", "-m", "reflink=1", img.toString());
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        sh("mount", "-o", "loop", img.toString(), mnt.toString());
        cleanup.add(0, List.of("umount", "-l", mnt.toString()));
        data = mnt.resolve("data");
        svc = CofferService.start(ServiceConfig.defaults(data), Clock.systemUTC());
    }

    @AfterEach
    void unmount() throws Exception {
        if (svc != null) svc.close();
        for (List<String> c : cleanup) {
            try {
                sh(c.toArray(String[]::new));
            } catch (IOException e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
    }

    static <T> T await(Supplier<T> get, java.util.function.Predicate<T> done) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            T t = get.get();
            if (done.test(t)) return t;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out: " + get.get());
    }

    @Test
    void dirVolumeSnapshotsAreReflinkClonesAndInUseBackupsComeFromAClone() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("app", "1GiB", "dir", Map.of(), null));
        Fixtures.richTree(Path.of(v.path()));
        // hard links are kept by cp, but TreeDigest names a link group after the first path it
        // walks, and a clone's directory order differs: compare without them
        Files.delete(Path.of(v.path(), "a/hard1"));
        Files.delete(Path.of(v.path(), "hard2"));
        Map<String, String> before = TreeDigest.of(Path.of(v.path()), Set.of(""));
        Snapshot s = svc.createSnapshot(new Requests.CreateSnapshot("app", "s1", Map.of()));
        Snapshot done = await(() -> svc.snapshot(s.id()), x -> x.status() != Snapshot.Status.CREATING);
        assertThat(done.status()).as(done.toString()).isEqualTo(Snapshot.Status.AVAILABLE);
        assertThat(done.method()).isEqualTo(Snapshot.REFLINK);
        Files.write(Path.of(v.path()).resolve("after-snapshot"), new byte[] {1, 2, 3});
        assertThat(TreeDigest.diff(before, TreeDigest.of(Path.of(done.location()), Set.of("")))).isEmpty();

        // an in-use volume backed up with force: from a clone, then restored bit-exact
        svc.attach("app", "db1");
        Map<String, String> live = TreeDigest.of(Path.of(v.path()), Set.of(""));
        Backup b = svc.createBackup(new Requests.CreateBackup("app", null, null, null, "b", null, false, true, Map.of()));
        Backup stored = await(() -> svc.backup(b.id()), x -> x.status() != Backup.Status.CREATING);
        assertThat(stored.status()).as(String.valueOf(stored.failReason())).isEqualTo(Backup.Status.AVAILABLE);
        assertThat(svc.volume("app").status()).isEqualTo(Volume.Status.IN_USE);
        var r = svc.restore(b.id(), new Requests.Restore(null, "app-copy"));
        Volume copy = await(() -> svc.volume(r.volumeId()), x -> !x.busy());
        assertThat(copy.status()).isEqualTo(Volume.Status.AVAILABLE);
        assertThat(TreeDigest.diff(live, TreeDigest.of(Path.of(copy.path()), Set.of("")))).isEmpty();
        assertThat(Files.list(data.resolve("staging")).count()).isZero();
    }

    @Test
    void treeClonesShareExtentsRangeByRangeAndKeepEveryAttribute() throws Exception {
        Path src = data.resolveSibling("clone-src");
        Fixtures.richTree(src);
        // a file of several clone ranges with a tail that is not block-aligned, and a read-only one
        byte[] big = Fixtures.random(8, (int) (2 * RANGE + (1 << 20) + 3));
        Files.write(src.resolve("a/big.bin"), big);
        Files.write(src.resolve("read-only"), Fixtures.random(9, 70_000));
        Files.setAttribute(src.resolve("read-only"), "unix:mode", 0444);
        sh("sync");
        Map<String, String> before = TreeDigest.of(src, Set.of(""));
        long free = Files.getFileStore(src).getUnallocatedSpace();

        Path dst = data.resolveSibling("clone-dst");
        io.coffer.volume.Reflinks.cloneTree(src, dst);

        Map<String, String> after = TreeDigest.of(dst, Set.of(""));
        // hard-link groups are named after the first path walked, which differs between the trees
        before.replaceAll((k, v) -> v.replaceAll(" linked-to \\S+", ""));
        after.replaceAll((k, v) -> v.replaceAll(" linked-to \\S+", ""));
        assertThat(TreeDigest.diff(before, after)).isEmpty();
        assertThat(Files.readAllBytes(dst.resolve("a/big.bin"))).isEqualTo(big);
        Object inode = Files.getAttribute(dst.resolve("a/b/c/small.cfg"), "unix:ino");
        assertThat(Files.getAttribute(dst.resolve("a/hard1"), "unix:ino")).isEqualTo(inode);
        assertThat(Files.getAttribute(dst.resolve("hard2"), "unix:ino")).isEqualTo(inode);
        // shared, not copied: the 17 MiB of big.bin alone would take more than this
        sh("sync");
        assertThat(free - Files.getFileStore(src).getUnallocatedSpace()).isLessThan(4L << 20);
        assertThatThrownBy(() -> io.coffer.volume.Reflinks.cloneTree(src, dst)).hasMessageContaining("already exists");
    }

    @Test
    void imageVolumeSnapshotFreezesItsMountedFilesystemForTheClone() throws Exception {
        Volume v = svc.createVolume(new Requests.CreateVolume("disk", "256MiB", "image", Map.of(), null));
        String loop = sh("losetup", "-f", "--show", v.path());
        cleanup.add(0, List.of("losetup", "-d", loop));
        sh("mkfs.ext4", "-q", loop);
        Path inner = Files.createDirectories(tmp.resolve("inner"));
        sh("mount", loop, inner.toString());
        cleanup.add(0, List.of("umount", "-l", inner.toString()));
        Files.write(inner.resolve("before.bin"), Fixtures.random(1, 5 << 20));
        byte[] beforeBytes = Files.readAllBytes(inner.resolve("before.bin"));

        Snapshot s = svc.createSnapshot(new Requests.CreateSnapshot("disk", "s1", Map.of()));
        Snapshot done = await(() -> svc.snapshot(s.id()), x -> x.status() != Snapshot.Status.CREATING);
        assertThat(done.status()).as(done.toString()).isEqualTo(Snapshot.Status.AVAILABLE);
        assertThat(done.method()).isEqualTo(Snapshot.REFLINK);
        assertThat(done.freezeMs()).as("the mounted filesystem was frozen").isNotNull().isLessThan(5_000L);
        Files.write(inner.resolve("after.bin"), Fixtures.random(2, 1 << 20));

        // a volume made from the snapshot holds a clean filesystem with the data of that instant
        Volume copy = svc.createVolume(new Requests.CreateVolume("disk-copy", null, null, Map.of(), s.id()));
        Volume ready = await(() -> svc.volume(copy.id()), x -> x.status() != Volume.Status.CREATING);
        assertThat(ready.status()).as(String.valueOf(ready.failReason())).isEqualTo(Volume.Status.AVAILABLE);
        sh("e2fsck", "-fn", ready.path());
        String loop2 = sh("losetup", "-f", "--show", "-r", ready.path());
        cleanup.add(0, List.of("losetup", "-d", loop2));
        Path copyMnt = Files.createDirectories(tmp.resolve("copy"));
        sh("mount", "-o", "ro", loop2, copyMnt.toString());
        cleanup.add(0, List.of("umount", "-l", copyMnt.toString()));
        assertThat(Files.readAllBytes(copyMnt.resolve("before.bin"))).isEqualTo(beforeBytes);
        assertThat(copyMnt.resolve("after.bin")).doesNotExist();
    }
}
