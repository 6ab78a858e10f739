package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of a mounted image volume where the data directory cannot clone (the fallback path):
 * the volume's filesystem stays frozen for the whole capture, so the snapshot is one instant; a
 * server killed while it is frozen must not leave the filesystem blocked — the restart thaws it.
 * Needs root and e2fsprogs: skipped without them, a failure in CI.
 */
class FreezeIT {
    @TempDir
    Path tmp;

    private Path mnt;
    private boolean mounted;

    @BeforeEach
    void requireTools() {
        boolean ok = Fixtures.isRoot() && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) && Files.isExecutable(Path.of("/usr/sbin/fsfreeze"));
        if (!ok && "true".equals(System.getenv("CI"))) throw new IllegalStateException("FreezeIT needs root, e2fsprogs and util-linux in CI");
        assumeThat(ok).as("root, mkfs.ext4 and fsfreeze").isTrue();
    }

    @AfterEach
    void unmount() throws Exception {
        if (!mounted) return;
        new ProcessBuilder("/usr/sbin/fsfreeze", "--unfreeze", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
        sh("umount", mnt.toString());
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    /** Starts a small synchronous write into the volume's filesystem; it blocks while that is frozen. */
    private Process probeWrite(String name) throws IOException {
        return new ProcessBuilder("dd", "if=/dev/zero", "of=" + mnt.resolve(name), "bs=64k", "count=1", "conv=fsync", "status=none").start();
    }

    /** An image volume holding a mounted ext4 with {@code mib} MiB of incompressible files. */
    private Path mountedImageVolume(ServerProcess server, String name, int mib) throws Exception {
        var created = server.call("POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"2GiB\",\"driver\":\"image\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Path img = Path.of(created.body().path("volume").path("path").asText());
        sh("/usr/sbin/mkfs.ext4", "-q", "-F", img.toString());
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        sh("mount", "-o", "loop", img.toString(), mnt.toString());
        mounted = true;
        for (int i = 0; i < mib / 32; i++) Files.write(mnt.resolve("f" + i), Fixtures.random(i, 32 << 20));
        sh("sync");
        return img;
    }

    @Test
    void aFallbackSnapshotFreezesForTheCaptureAndAKilledServerLeavesNothingFrozen() throws Exception {
        Path data = tmp.resolve("data");
        try (ServerProcess server = new ServerProcess(data).start()) {
            mountedImageVolume(server, "db", 512);

            // a snapshot that completes: one instant, its freeze window recorded
            var s = server.call("POST", "/api/v1/snapshots", "{\"volume_id\":\"db\",\"name\":\"s1\"}");
            assertThat(s.status()).as(s.toString()).isEqualTo(202);
            JsonNode snap = server.await("/api/v1/snapshots/" + s.body().path("snapshot").path("id").asText(), "snapshot", Set.of("available", "error"));
            assertThat(snap.path("status").asText()).as(snap.toString()).isEqualTo("available");
            assertThat(snap.path("method").asText()).as("the data directory of this test cannot clone").isEqualTo("repository");
            assertThat(snap.path("consistency").asText()).isEqualTo("crash");
            assertThat(snap.path("freeze_ms").isNumber()).as(snap.toString()).isTrue();
            assertThat(snap.path("freeze_ms").asLong()).isLessThanOrEqualTo(snap.path("duration_ms").asLong());
            Process after = probeWrite("after-snapshot");
            assertThat(after.waitFor(30, TimeUnit.SECONDS)).as("the filesystem is writable once the snapshot is taken").isTrue();

            // the volume made from it holds a clean filesystem
            var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"copy\",\"snapshot_id\":\"" + snap.path("id").asText() + "\"}");
            assertThat(v.status()).as(v.toString()).isEqualTo(202);
            JsonNode copy = server.await("/api/v1/volumes/copy", "volume", Set.of("available", "error"));
            assertThat(copy.path("status").asText()).as(copy.toString()).isEqualTo("available");
            sh("/usr/sbin/e2fsck", "-fn", copy.path("path").asText());

            // killed while the capture holds the freeze
            var s2 = server.call("POST", "/api/v1/snapshots", "{\"volume_id\":\"db\",\"name\":\"s2\"}");
            String id2 = s2.body().path("snapshot").path("id").asText();
            server.awaitBytesMoved("/api/v1/snapshots/" + id2, "snapshot");
            server.kill();
        }
        Process blocked = probeWrite("during-stop");
        assertThat(blocked.waitFor(2, TimeUnit.SECONDS)).as("the kill left the filesystem frozen (the premise of this test)").isFalse();

        try (ServerProcess restarted = new ServerProcess(data).start()) {
            assertThat(blocked.waitFor(30, TimeUnit.SECONDS)).as("the restart thawed the volume's filesystem").isTrue();
            assertThat(blocked.exitValue()).isZero();
            JsonNode s2 = restarted.get("/api/v1/snapshots/s2").path("snapshot");
            assertThat(s2.path("status").asText()).isEqualTo("error");
            assertThat(s2.path("fail_reason").asText()).contains("interrupted");
            assertThat(restarted.log()).contains("was left frozen by the stop; thawed");
            assertThat(List.of(restarted.get("/api/v1/volumes/db").path("volume").path("status").asText())).containsExactly("available");
        }
    }
}
