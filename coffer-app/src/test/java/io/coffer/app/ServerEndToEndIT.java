package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The service end to end: a real server process driven through the CLI and through HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerEndToEndIT {
    static final Set<String> ROOT = Set.of("");

    @TempDir
    static Path tmp;

    ServerProcess server;

    @BeforeAll
    void start() throws Exception {
        server = new ServerProcess(tmp.resolve("data")).start();
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private Path volumePath(String name) throws Exception {
        var r = server.cli("volume", "show", name, "--output", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        return Path.of(ServerProcess.json(r).path("path").asText());
    }

    @Test
    void volumeSnapshotFullAndIncrementalBackupsAndRestoresThroughTheCli() throws Exception {
        var created = server.cli("volume", "create", "pgdata", "--size", "2GiB", "-o", "json");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(ServerProcess.json(created).path("status").asText()).isEqualTo("available");
        Path vol = volumePath("pgdata");
        Fixtures.richTree(vol);
        Files.createSymbolicLink(vol.resolve("pg_wal"), Path.of("/var/lib/postgresql/wal")); // absolute: restored as is, never followed
        Files.write(vol.resolve("big.bin"), Fixtures.random(7, 40 << 20)); // unchanged by the incremental below
        Map<String, String> atFull = TreeDigest.of(vol, ROOT);

        var snap = server.cli("snapshot", "create", "pgdata", "--name", "before-upgrade", "--wait", "-q", "-o", "json");
        assertThat(snap.code()).as(snap.toString()).isZero();
        JsonNode s = ServerProcess.json(snap);
        assertThat(s.path("status").asText()).isEqualTo("available");
        assertThat(s.path("ready_to_use").asBoolean()).isTrue();
        assertThat(s.path("restore_size").asLong()).isEqualTo(2L << 30);

        var full = server.cli("backup", "create", "pgdata", "--name", "nightly", "--description", "first", "--wait", "-q", "-o", "json");
        assertThat(full.code()).as(full.toString()).isZero();
        JsonNode f = ServerProcess.json(full);
        assertThat(f.path("status").asText()).isEqualTo("available");
        assertThat(f.path("is_incremental").asBoolean()).isFalse();
        for (String field : List.of("id", "name", "description", "status", "fail_reason", "availability_zone", "container", "volume_id",
                "snapshot_id", "is_incremental", "has_dependent_backups", "object_count", "size", "created_at", "updated_at",
                "data_timestamp", "metadata", "parent_id", "stored_bytes", "logical_bytes", "duration_ms")) {
            assertThat(f.has(field)).as("backup show has " + field).isTrue();
        }
        assertThat(f.path("size").asLong()).isEqualTo(2);

        // change a little, then an incremental stores about that little (at most a few CDC chunks of up to 4 MiB)
        Files.write(vol.resolve("a/new.txt"), Fixtures.text(99, 10_000));
        Fixtures.overwrite(vol.resolve("a/b/random.bin"), 4096, Fixtures.random(98, 4096));
        Map<String, String> atIncr = TreeDigest.of(vol, ROOT);
        var incr = server.cli("backup", "create", "pgdata", "--incremental", "--wait", "-q", "-o", "json");
        assertThat(incr.code()).as(incr.toString()).isZero();
        JsonNode i = ServerProcess.json(incr);
        assertThat(i.path("is_incremental").asBoolean()).isTrue();
        assertThat(i.path("parent_id").asText()).isEqualTo(f.path("id").asText());
        assertThat(i.path("stored_bytes").asLong()).isLessThan(f.path("stored_bytes").asLong() / 4);
        assertThat(ServerProcess.json(server.cli("backup", "show", f.path("id").asText(), "-o", "json")).path("has_dependent_backups").asBoolean()).isTrue();

        // restore the full backup into a new volume, and the incremental over the original
        var toNew = server.cli("backup", "restore", f.path("id").asText(), "--name", "pgdata-copy", "--wait", "-q", "-o", "json");
        assertThat(toNew.code()).as(toNew.toString()).isZero();
        assertThat(TreeDigest.diff(atFull, TreeDigest.of(volumePath("pgdata-copy"), ROOT))).isEmpty();
        Files.write(vol.resolve("scribble"), "lost on restore".getBytes());
        var inPlace = server.cli("backup", "restore", i.path("id").asText(), "--volume", "pgdata", "--wait", "-q");
        assertThat(inPlace.code()).as(inPlace.toString()).isZero();
        assertThat(TreeDigest.diff(atIncr, TreeDigest.of(vol, ROOT))).isEmpty();

        // a snapshot becomes a volume; it holds the data of its instant
        var fromSnap = server.cli("volume", "create", "from-snap", "--snapshot", s.path("id").asText(), "--wait", "-q", "-o", "json");
        assertThat(fromSnap.code()).as(fromSnap.toString()).isZero();
        assertThat(TreeDigest.diff(atFull, TreeDigest.of(volumePath("from-snap"), ROOT))).isEmpty();

        // deleting the full is refused while the incremental depends on it; --cascade takes both
        var refused = server.cli("backup", "delete", f.path("id").asText());
        assertThat(refused.code()).isEqualTo(5);
        assertThat(refused.err()).contains("has 1 incremental backups built on it").contains("--cascade");
        var cascade = server.cli("backup", "delete", f.path("id").asText(), "--cascade", "--wait", "-q", "-o", "json");
        assertThat(cascade.code()).as(cascade.toString()).isZero();
        assertThat(server.cli("backup", "show", i.path("id").asText()).code()).isEqualTo(4);

        var check = CofferProcess.run("repo", "check", "--read-data", "--repo", server.dataDir.resolve("repository/backups").toString());
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).doesNotContain("warning:").doesNotContain("error:");
    }

    @Test
    void imageVolumesBackUpAndRestoreBitExact() throws Exception {
        var created = server.cli("volume", "create", "disk", "--size", "64MiB", "--driver", "image", "-o", "json");
        assertThat(created.code()).as(created.toString()).isZero();
        Path img = Path.of(ServerProcess.json(created).path("path").asText());
        assertThat(Files.size(img)).isEqualTo(64L << 20);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(Fixtures.random(1, 3 << 20));
            f.seek((64L << 20) - 100);
            f.write(Fixtures.text(2, 100));
        }
        byte[] before = Files.readAllBytes(img);
        var b = server.cli("backup", "create", "disk", "--wait", "-q", "-o", "json");
        assertThat(b.code()).as(b.toString()).isZero();
        String id = ServerProcess.json(b).path("id").asText();
        var r = server.cli("backup", "restore", id, "--name", "disk2", "--wait", "-q", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        Path restored = Path.of(ServerProcess.json(r).path("path").asText());
        assertThat(Files.readAllBytes(restored)).isEqualTo(before);
        // holes stay holes: far fewer blocks allocated than the image's size
        Process stat = new ProcessBuilder("stat", "-c", "%b", restored.toString()).start();
        long blocks = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim());
        assertThat(blocks * 512).isLessThan(16L << 20);
    }

    /**
     * Two large backups at once (the server's two workers), a third queued: they share the
     * process's packs in flight and fit the server's default heap.
     */
    @Test
    void concurrentBackupsOfSeveralVolumesThroughHttp() throws Exception {
        List<String> names = List.of("c1", "c2", "c3");
        List<Map<String, String>> digests = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            var r = server.call("POST", "/api/v1/volumes", "{\"name\":\"" + names.get(k) + "\",\"size\":\"1GiB\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            Path p = Path.of(r.body().path("volume").path("path").asText());
            for (int f = 0; f < 5; f++) Files.write(p.resolve("f" + f), Fixtures.random(k * 100 + f, 24 << 20)); // 120 MiB, incompressible: several packs each
            digests.add(TreeDigest.of(p, ROOT));
        }
        List<String> ids = new ArrayList<>();
        for (String n : names) {
            var r = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"" + n + "\",\"container\":\"parallel\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            assertThat(r.body().path("backup").path("status").asText()).isEqualTo("creating");
            ids.add(r.body().path("backup").path("id").asText());
        }
        for (int k = 0; k < ids.size(); k++) {
            JsonNode b = server.await("/api/v1/backups/" + ids.get(k), "backup", Set.of("available", "error"));
            assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("available");
            var r = server.call("POST", "/api/v1/backups/" + ids.get(k) + "/restore", "{\"name\":\"" + names.get(k) + "-r\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            JsonNode job = server.await("/api/v1/jobs/" + r.body().path("restore").path("job_id").asText(), "job", Set.of("succeeded", "failed"));
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("succeeded");
            assertThat(job.path("progress").path("percent").asDouble()).isEqualTo(100.0);
            Path p = Path.of(server.get("/api/v1/volumes/" + names.get(k) + "-r").path("volume").path("path").asText());
            assertThat(TreeDigest.diff(digests.get(k), TreeDigest.of(p, ROOT))).isEmpty();
        }
        for (String n : names) assertThat(server.get("/api/v1/volumes/" + n).path("volume").path("status").asText()).isEqualTo("available");
    }

    @Test
    void runningBackupsAndRestoresCanBeCancelledAndLeaveNothingBehind() throws Exception {
        var created = server.call("POST", "/api/v1/volumes", "{\"name\":\"slow\",\"size\":\"4GiB\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Path vol = Path.of(created.body().path("volume").path("path").asText());
        for (int f = 0; f < 12; f++) Files.write(vol.resolve("part" + f), Fixtures.random(500 + f, 96 << 20)); // 1.1 GiB, incompressible
        Map<String, String> data = TreeDigest.of(vol, ROOT);

        // a running backup: cancelled through the CLI, it ends in error, the volume is available again
        var b = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"slow\",\"name\":\"doomed\"}");
        String doomed = b.body().path("backup").path("id").asText();
        String job = server.awaitBytesMoved("/api/v1/backups/" + doomed, "backup").path("job_id").asText();
        var cancel = server.cli("job", "cancel", job, "-o", "json");
        assertThat(cancel.code()).as(cancel.toString()).isZero();
        JsonNode j = server.await("/api/v1/jobs/" + job, "job", Set.of("succeeded", "failed", "cancelled"));
        assertThat(j.path("status").asText()).as(j.toString()).isEqualTo("cancelled");
        assertThat(j.path("error").asText()).isEqualTo("cancelled by request");
        JsonNode failed = server.get("/api/v1/backups/" + doomed).path("backup");
        assertThat(failed.path("status").asText()).isEqualTo("error");
        assertThat(failed.path("fail_reason").asText()).contains("cancelled");
        assertThat(server.get("/api/v1/volumes/slow").path("volume").path("status").asText()).isEqualTo("available");
        var again = server.cli("job", "cancel", job);
        assertThat(again.code()).as("cancelling a finished job is a conflict").isEqualTo(5);
        assertThat(again.err()).contains(job);

        // the next backup of the same volume succeeds
        var ok = server.cli("backup", "create", "slow", "--name", "kept", "--wait", "-q", "-o", "json");
        assertThat(ok.code()).as(ok.toString()).isZero();
        String kept = ServerProcess.json(ok).path("id").asText();

        // a running restore over the volume: cancelled, the volume keeps its data and is available
        Files.write(vol.resolve("after-backup"), "still here after the cancelled restore".getBytes());
        Map<String, String> live = TreeDigest.of(vol, ROOT);
        var r = server.call("POST", "/api/v1/backups/" + kept + "/restore", "{\"volume_id\":\"slow\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String rj = r.body().path("restore").path("job_id").asText();
        server.awaitBytesMoved("/api/v1/jobs/" + rj, "job");
        assertThat(server.call("POST", "/api/v1/jobs/" + rj + "/cancel", null).status()).isEqualTo(202);
        assertThat(server.await("/api/v1/jobs/" + rj, "job", Set.of("succeeded", "failed", "cancelled")).path("status").asText()).isEqualTo("cancelled");
        assertThat(server.get("/api/v1/volumes/slow").path("volume").path("status").asText()).isEqualTo("available");
        assertThat(server.get("/api/v1/backups/" + kept).path("backup").path("status").asText()).isEqualTo("available");
        assertThat(TreeDigest.diff(live, TreeDigest.of(vol, ROOT))).isEmpty();
        assertThat(server.dataDir.resolve("staging").toFile().list()).isEmpty();

        // a cancelled restore into a new volume marks that volume error_restoring, as Cinder does
        var n = server.call("POST", "/api/v1/backups/" + kept + "/restore", "{\"name\":\"slow-copy\"}");
        String nj = n.body().path("restore").path("job_id").asText();
        server.awaitBytesMoved("/api/v1/jobs/" + nj, "job");
        server.call("POST", "/api/v1/jobs/" + nj + "/cancel", null);
        assertThat(server.await("/api/v1/jobs/" + nj, "job", Set.of("succeeded", "failed", "cancelled")).path("status").asText()).isEqualTo("cancelled");
        assertThat(server.get("/api/v1/volumes/slow-copy").path("volume").path("status").asText()).isEqualTo("error_restoring");
        assertThat(server.call("DELETE", "/api/v1/volumes/slow-copy", null).status()).isEqualTo(204);

        // what was kept restores bit-exact, and the repository holds nothing broken
        var full = server.cli("backup", "restore", kept, "--name", "slow-check", "--wait", "-q", "-o", "json");
        assertThat(full.code()).as(full.toString()).isZero();
        assertThat(TreeDigest.diff(data, TreeDigest.of(Path.of(ServerProcess.json(full).path("path").asText()), ROOT))).isEmpty();
        var check = CofferProcess.run("repo", "check", "--read-data", "--repo", server.dataDir.resolve("repository/backups").toString());
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).doesNotContain("error:");
    }

    @Test
    void badInputGetsClearErrorsAndChangesNothing() throws Exception {
        assertThat(server.call("POST", "/api/v1/volumes", "{\"name\":\"base\",\"size\":\"1GiB\"}").status()).isEqualTo(201);
        assertThat(server.call("POST", "/api/v1/volumes", "{\"name\":\"tiny\",\"size\":\"1MiB\"}").status()).isEqualTo(201);
        assertThat(server.call("POST", "/api/v1/volumes/base/attach", "{\"instance\":\"db1\"}").status()).isEqualTo(200);
        JsonNode before = server.get("/api/v1/volumes");
        JsonNode backupsBefore = server.get("/api/v1/backups");
        String longName = "n".repeat(300);
        Object[][] cases = {
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",", 400, "invalid_request", "not valid JSON"},
            {"POST", "/api/v1/volumes", "[1,2]", 400, "invalid_request", "JSON object"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"1GiB\",\"colour\":\"red\"}", 400, "invalid_request", "unknown field 'colour'"},
            {"POST", "/api/v1/volumes", "{\"name\":\"" + longName + "\",\"size\":\"1GiB\"}", 400, "invalid_request", "at most 255"},
            {"POST", "/api/v1/volumes", "{\"name\":\"../x\",\"size\":\"1GiB\"}", 400, "invalid_request", "'../x' is not allowed"},
            {"POST", "/api/v1/volumes", "{\"name\":\"a/b\",\"size\":\"1GiB\"}", 400, "invalid_request", "is not allowed"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"lots\"}", 400, "invalid_request", "'lots' is not a size"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"0\"}", 400, "invalid_request", "must be positive"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"5PiB\"}", 400, "invalid_request", "is not a size"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"1GiB\",\"driver\":\"lvm\"}", 400, "invalid_request", "unknown volume driver 'lvm'"},
            {"POST", "/api/v1/volumes", "{\"name\":\"base\",\"size\":\"1GiB\"}", 409, "conflict", "exists already"},
            {"POST", "/api/v1/volumes", "{\"name\":\"x\",\"size\":\"1GiB\",\"labels\":{\"k\":[1]}}", 400, "invalid_request", "labels"},
            {"GET", "/api/v1/volumes/nope", null, 404, "not_found", "Volume nope could not be found."},
            {"DELETE", "/api/v1/volumes/base", null, 409, "conflict", "attached to db1"},
            {"GET", "/api/v1/backups/00000000-0000-0000-0000-000000000000", null, 404, "not_found", "could not be found"},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"base\"}", 409, "conflict", "backing up an in-use volume must use the force flag; give --force"},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"tiny\",\"incremental\":true}", 400, "invalid_request", "No backups available to do an incremental backup."},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"tiny\",\"incremental\":\"maybe\"}", 400, "invalid_request", "'incremental' must be true or false"},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"tiny\",\"container\":\"../etc\"}", 400, "invalid_request", "container '../etc' is not allowed"},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"tiny\",\"repository\":\"s3-elsewhere\"}", 400, "invalid_request", "not configured"},
            {"POST", "/api/v1/backups", "{\"volume_id\":\"ghost\"}", 404, "not_found", "Volume ghost could not be found."},
            {"POST", "/api/v1/snapshots", "{\"volume_id\":\"ghost\"}", 404, "not_found", "Volume ghost could not be found."},
            {"POST", "/api/v1/backups/nope/restore", "{}", 404, "not_found", "Backup nope could not be found."},
            {"DELETE", "/api/v1/backups/nope?cascade=perhaps", null, 400, "invalid_request", "cascade"},
            {"GET", "/api/v1/jobs/nope", null, 404, "not_found", "Job nope could not be found."},
            {"GET", "/api/v1/unknown", null, 404, "not_found", "no such endpoint"},
        };
        for (Object[] c : cases) {
            var r = server.call((String) c[0], (String) c[1], (String) c[2]);
            String what = c[0] + " " + c[1] + " " + c[2] + " -> " + r;
            assertThat(r.status()).as(what).isEqualTo(c[3]);
            assertThat(r.body().path("error").path("code").asText()).as(what).isEqualTo(c[4]);
            assertThat(r.body().path("error").path("message").asText()).as(what).contains((String) c[5]).doesNotContain("Exception");
        }
        // restore into a volume that is too small or in use: Cinder's messages, nothing changed
        var small = server.call("POST", "/api/v1/volumes", "{\"name\":\"src\",\"size\":\"2GiB\"}");
        Files.write(Path.of(small.body().path("volume").path("path").asText()).resolve("f"), new byte[] {1});
        var b = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"src\"}");
        String id = b.body().path("backup").path("id").asText();
        server.await("/api/v1/backups/" + id, "backup", Set.of("available"));
        // the list filters by status, by its name
        assertThat(server.get("/api/v1/backups?status=available").path("backups")).anySatisfy(x -> assertThat(x.path("id").asText()).isEqualTo(id));
        assertThat(server.get("/api/v1/backups?status=error").path("backups")).noneSatisfy(x -> assertThat(x.path("id").asText()).isEqualTo(id));
        var tooSmall = server.call("POST", "/api/v1/backups/" + id + "/restore", "{\"volume_id\":\"tiny\"}");
        assertThat(tooSmall.status()).isEqualTo(400);
        assertThat(tooSmall.body().toString()).contains("is too small to restore backup of size 2");
        var inUse = server.call("POST", "/api/v1/backups/" + id + "/restore", "{\"volume_id\":\"base\"}");
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.body().toString()).contains("volume base is in-use (attached to db1) and cannot be restored into")
                .contains("coffer volume detach base");
        // a volume no catalog entry holds but a running process uses (a database started by hand) is not restored over
        Path srcPath = Path.of(small.body().path("volume").path("path").asText());
        Process user = new ProcessBuilder("sleep", "120").directory(srcPath.toFile()).start();
        try {
            var busy = server.call("POST", "/api/v1/backups/" + id + "/restore", "{\"volume_id\":\"src\"}");
            assertThat(busy.status()).as(busy.toString()).isEqualTo(409);
            assertThat(busy.body().path("error").path("message").asText())
                    .contains("volume src is used by running processes: sleep (pid " + user.pid() + ", working directory)").contains("stop them first");
            var busyCli = server.cli("backup", "restore", id, "--volume", "src");
            assertThat(busyCli.code()).as(busyCli.toString()).isEqualTo(5);
        } finally {
            user.destroy();
            user.waitFor();
        }
        var freed = server.cli("backup", "restore", id, "--volume", "src", "--wait", "-q");
        assertThat(freed.code()).as(freed.toString()).isZero();
        var both = server.call("POST", "/api/v1/backups/" + id + "/restore", "{\"volume_id\":\"tiny\",\"name\":\"n\"}");
        assertThat(both.status()).isEqualTo(400);

        // nothing above changed the catalog (beyond the volume and backup made on purpose)
        List<String> after = new ArrayList<>();
        server.get("/api/v1/volumes").path("volumes").forEach(v -> after.add(v.path("name").asText() + " " + v.path("status").asText()));
        List<String> expected = new ArrayList<>();
        before.path("volumes").forEach(v -> expected.add(v.path("name").asText() + " " + v.path("status").asText()));
        expected.add("src available");
        assertThat(after).containsAll(expected);
        assertThat(after).noneMatch(s -> s.startsWith("x ") || s.startsWith("n ") || s.startsWith("ghost"));
        assertThat(server.get("/api/v1/backups").path("backups").size()).isEqualTo(backupsBefore.path("backups").size() + 1);

        // the CLI maps errors to exit codes scripts can trust
        assertThat(server.cli("volume", "show", "nope").code()).isEqualTo(4);
        assertThat(server.cli("volume", "create", "base", "--size", "1GiB").code()).isEqualTo(5);
        assertThat(server.cli("volume", "create", "bad/name", "--size", "1GiB").code()).isEqualTo(2);
        var noForce = server.cli("backup", "create", "base");
        assertThat(noForce.code()).isEqualTo(5);
        assertThat(noForce.err()).contains("must use the force flag").doesNotContain("Exception");
        // a volume with snapshots goes only together with them, and the refusal says how
        String srcId = small.body().path("volume").path("id").asText();
        var snapped = server.cli("snapshot", "create", "src", "--wait", "-q");
        assertThat(snapped.code()).as(snapped.toString()).isZero();
        var withSnaps = server.cli("volume", "delete", "src");
        assertThat(withSnaps.code()).as(withSnaps.toString()).isEqualTo(5);
        assertThat(withSnaps.err()).contains("still has 1 dependent snapshots").contains("--cascade");
        var cascaded = server.cli("volume", "delete", "src", "--cascade");
        assertThat(cascaded.code()).as(cascaded.toString()).isZero();
        assertThat(server.call("GET", "/api/v1/volumes/" + srcId, null).status()).isEqualTo(404);
        server.get("/api/v1/snapshots").path("snapshots").forEach(sn -> assertThat(sn.path("volume_id").asText()).isNotEqualTo(srcId));
        var down = CofferProcess.run(Map.of("COFFER_URL", "http://127.0.0.1:1"), "volume", "list");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("cannot reach the Coffer server");
        assertThat(server.call("GET", "/api/v1/openapi.yaml", null).status()).isEqualTo(200);
        for (String[] cmd : new String[][] {{"backup", "create", "--help"}, {"repo", "backup", "-h"}, {"job", "cancel", "--help"}}) {
            var help = server.cli(cmd);
            assertThat(help.code()).as(String.join(" ", cmd)).isZero();
            assertThat(help.out()).contains("Usage: coffer " + cmd[0] + " " + cmd[1]);
        }
    }

    /**
     * Sends a POST whose body of {@code bytes} comes in 64 KiB chunks (no Content-Length) and
     * returns the response's status line, or the I/O error the server's early close caused.
     */
    private String chunkedPost(String path, long bytes) {
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 << 10];
            Arrays.fill(chunk, (byte) ' ');
            byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (long sent = 0; sent < bytes; sent += chunk.length) {
                    out.write(head);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedEarly) {
                // the server answered and closed before the body was sent: read its answer
            }
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String status = in.readLine();
            return status == null ? "closed without a response" : status;
        } catch (IOException e) {
            return "I/O error: " + e.getMessage();
        }
    }

    @Test
    void chunkedBodiesAreLimitedWhileTheyAreRead() throws Exception {
        // over the limit without a Content-Length: refused with 413 as it is read
        assertThat(chunkedPost("/api/v1/volumes", 2 << 20)).contains(" 413 ");
        // four at once, 80 MB each: none of them reaches the heap, the server stays well
        List<java.util.concurrent.Future<String>> big = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 4; i++) big.add(pool.submit(() -> chunkedPost("/api/v1/volumes", 80L << 20)));
            for (var f : big) assertThat(f.get()).doesNotContain(" 500 ").doesNotContain(" 201 ");
        }
        assertThat(server.call("GET", "/health", null).status()).isEqualTo(200);
        var ok = server.call("POST", "/api/v1/volumes", "{\"name\":\"after-chunks\",\"size\":\"1MiB\"}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
        assertThat(server.log()).doesNotContain("OutOfMemoryError");
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryRefusesToStart() throws Exception {
        var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"busy\",\"size\":\"1GiB\"}");
        Path data = Path.of(v.body().path("volume").path("path").asText());
        byte[] chunk = new byte[1 << 20];
        var rnd = new java.util.Random(5);
        for (int i = 0; i < 200; i++) {
            rnd.nextBytes(chunk);
            Files.write(data.resolve("f" + i), chunk);
        }
        var b = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"busy\"}");
        assertThat(b.status()).as(b.toString()).isEqualTo(202);
        String id = b.body().path("backup").path("id").asText();
        try (ServerProcess second = new ServerProcess(server.dataDir)) {
            assertThatThrownBy(second::start).hasMessageContaining("exited with 5")
                    .hasMessageContaining("is in use by another coffer server (pid ")
                    .hasMessageContaining("stop that server first").hasMessageNotContaining("Exception");
        }
        // the first server's job was not touched: it ends as it would have
        server.await("/api/v1/backups/" + id, "backup", Set.of("available"));
        assertThat(server.call("GET", "/health", null).status()).isEqualTo(200);
    }

    @Test
    void listeningBeyondLoopbackRequiresTheGeneratedToken() throws Exception {
        Path data = tmp.resolve("token-data");
        try (ServerProcess open = new ServerProcess(data)) {
            open.start("0.0.0.0:" + open.port);
            Path tokenFile = data.resolve("api-token");
            assertThat(tokenFile).exists();
            assertThat(Files.getPosixFilePermissions(tokenFile)).hasSize(2); // rw------- : owner read and write only
            String token = Files.readString(tokenFile).trim();
            assertThat(open.call("GET", "/health", null).status()).isEqualTo(200);
            var anonymous = open.call("GET", "/api/v1/volumes", null);
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.body().path("error").path("message").asText()).contains("requires an API token");
            assertThat(open.call("GET", "/api/v1/volumes", null, Map.of("Authorization", "Bearer wrong")).status()).isEqualTo(401);
            assertThat(open.call("GET", "/api/v1/volumes", null, Map.of("Authorization", "Bearer " + token)).status()).isEqualTo(200);
            assertThat(open.call("GET", "/api/v1/volumes", null, Map.of("X-Auth-Token", token)).status()).isEqualTo(200);
            assertThat(open.log()).doesNotContain(token);
            var cliNoToken = open.cli("volume", "list");
            assertThat(cliNoToken.code()).isEqualTo(6);
            open.env.put("COFFER_TOKEN", token);
            assertThat(open.cli("volume", "list").code()).isZero();
        }
    }
}
