package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs the server during backups and restores (right after the request, and mid-copy),
 * restarts it, and requires truthful statuses, usable volumes, intact earlier backups and a
 * clean {@code repo check --read-data}.
 */
class ServerCrashIT {
    static final Set<String> ROOT = Set.of("");

    @TempDir
    Path tmp;

    @Test
    void killedBackupsAndRestoresLeaveTruthfulStatesAndIntactData() throws Exception {
        Path data = tmp.resolve("data");
        ServerProcess server = new ServerProcess(data).start();
        try {
            var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"db\",\"size\":\"4GiB\"}");
            assertThat(v.status()).as(v.toString()).isEqualTo(201);
            Path vol = Path.of(v.body().path("volume").path("path").asText());
            for (int i = 0; i < 24; i++) Files.write(vol.resolve("rel" + i), Fixtures.random(i, 12 << 20));
            Map<String, String> atFirst = TreeDigest.of(vol, ROOT);
            String first = backup(server, false);
            assertThat(server.await("/api/v1/backups/" + first, "backup", Set.of("available", "error")).path("status").asText()).isEqualTo("available");

            for (int i = 0; i < 24; i += 3) Files.write(vol.resolve("rel" + i), Fixtures.random(100 + i, 12 << 20));
            Map<String, String> live = TreeDigest.of(vol, ROOT);

            // 1. killed right after the backup request; 2. killed while it copies data
            for (boolean midway : new boolean[] {false, true}) {
                String id = backup(server, false);
                if (midway) awaitBytes(server, "/api/v1/backups/" + id, "backup");
                server.kill();
                server = new ServerProcess(data).start();
                JsonNode b = server.await("/api/v1/backups/" + id, "backup", Set.of("available", "error"));
                if (midway || b.path("status").asText().equals("error")) {
                    // it had started: reset, its partial data left for prune
                    assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("error");
                    assertThat(b.path("fail_reason").asText()).contains("incomplete backup reset on restart");
                } else {
                    // still queued when the server died: it never began, so it runs once the server is back
                    assertThat(b.path("fail_reason").isNull() || b.path("fail_reason").isMissingNode()).as(b.toString()).isTrue();
                }
                JsonNode volume = server.get("/api/v1/volumes/db").path("volume");
                assertThat(volume.path("status").asText()).as(volume.toString()).isEqualTo("available");
                JsonNode job = server.get("/api/v1/jobs").path("jobs");
                assertThat(job.findValuesAsText("status")).doesNotContain("running", "queued");
            }

            // 3. a restore over the volume killed mid-copy: the volume keeps its data and returns to available
            var r = server.call("POST", "/api/v1/backups/" + first + "/restore", "{\"volume_id\":\"db\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            awaitBytes(server, "/api/v1/jobs/" + r.body().path("restore").path("job_id").asText(), "job");
            server.kill();
            server = new ServerProcess(data).start();
            JsonNode volume = server.get("/api/v1/volumes/db").path("volume");
            assertThat(volume.path("status").asText()).as(volume.toString()).isEqualTo("available");
            assertThat(TreeDigest.diff(live, TreeDigest.of(vol, ROOT))).isEmpty();
            assertThat(server.get("/api/v1/backups/" + first).path("backup").path("status").asText()).isEqualTo("available");
            assertThat(Files.exists(data.resolve("staging")) ? Files.list(data.resolve("staging")).count() : 0).isZero();

            // 4. a restore into a new volume killed mid-copy: the new volume says it holds nothing
            var n = server.call("POST", "/api/v1/backups/" + first + "/restore", "{\"name\":\"db-new\"}");
            awaitBytes(server, "/api/v1/jobs/" + n.body().path("restore").path("job_id").asText(), "job");
            server.kill();
            server = new ServerProcess(data).start();
            assertThat(server.get("/api/v1/volumes/db-new").path("volume").path("status").asText()).isEqualTo("error_restoring");

            // the completed backup still restores bit-exact, and a new backup works
            var again = server.call("POST", "/api/v1/backups/" + first + "/restore", "{\"name\":\"db-copy\"}");
            JsonNode job = server.await("/api/v1/jobs/" + again.body().path("restore").path("job_id").asText(), "job", Set.of("succeeded", "failed"));
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("succeeded");
            Path copy = Path.of(server.get("/api/v1/volumes/db-copy").path("volume").path("path").asText());
            assertThat(TreeDigest.diff(atFirst, TreeDigest.of(copy, ROOT))).isEmpty();
            String after = backup(server, true);
            assertThat(server.await("/api/v1/backups/" + after, "backup", Set.of("available", "error")).path("status").asText()).isEqualTo("available");
        } finally {
            server.close();
        }
        var check = CofferProcess.run("repo", "check", "--read-data", "--repo", data.resolve("repository/backups").toString());
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).doesNotContain("error:");
    }

    /** Stopped dead right after the data is swapped in, before the catalog knows: the restart records the truth. */
    @Test
    void aRestoreStoppedAfterItsSwapIsRecordedAsTheSuccessItWas() throws Exception {
        Path data = tmp.resolve("swap-data");
        Map<String, String> atBackup;
        String first;
        Path vol;
        try (ServerProcess server = new ServerProcess(data).start()) {
            var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"db\",\"size\":\"1GiB\"}");
            vol = Path.of(v.body().path("volume").path("path").asText());
            for (int i = 0; i < 6; i++) Files.write(vol.resolve("rel" + i), Fixtures.random(i, 2 << 20));
            atBackup = TreeDigest.of(vol, ROOT);
            first = backup(server, false);
            assertThat(server.await("/api/v1/backups/" + first, "backup", Set.of("available", "error")).path("status").asText()).isEqualTo("available");
            for (int i = 0; i < 6; i += 2) Files.write(vol.resolve("rel" + i), Fixtures.random(50 + i, 2 << 20));
        }
        String jobId;
        try (ServerProcess faulty = new ServerProcess(data, Map.of("COFFER_JAVA_EXTRA_OPTS", "-Dcoffer.fault=restore-swapped")).start()) {
            var r = faulty.call("POST", "/api/v1/backups/" + first + "/restore", "{\"volume_id\":\"db\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            jobId = r.body().path("restore").path("job_id").asText();
            assertThat(faulty.waitForExit(120)).as("the server halted at the fault point").isEqualTo(86);
        }
        // the volume already holds the backup's data; the restart must say so
        assertThat(TreeDigest.diff(atBackup, TreeDigest.of(vol, ROOT))).isEmpty();
        try (ServerProcess server = new ServerProcess(data).start()) {
            JsonNode job = server.get("/api/v1/jobs/" + jobId).path("job");
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("succeeded");
            JsonNode volume = server.get("/api/v1/volumes/db").path("volume");
            assertThat(volume.path("status").asText()).as(volume.toString()).isEqualTo("available");
            assertThat(server.get("/api/v1/backups/" + first).path("backup").path("status").asText()).isEqualTo("available");
            assertThat(server.log()).contains("was stopped after its data was swapped in; recording it as succeeded");
            assertThat(Files.exists(data.resolve("staging")) ? Files.list(data.resolve("staging")).count() : 0).as("old data removed").isZero();
        }
    }

    private static String backup(ServerProcess server, boolean incremental) throws Exception {
        var r = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"db\",\"incremental\":" + incremental + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.body().path("backup").path("id").asText();
    }

    /** Waits until the operation has copied some bytes, so the kill lands mid-copy. */
    private static void awaitBytes(ServerProcess server, String path, String field) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode n = server.get(path).path(field);
            if (n.path("progress").path("bytes_done").asLong() > 0) return;
            String status = n.path("status").asText();
            assertThat(status).as("finished before it could be killed: " + n).isNotIn("available", "succeeded", "error", "failed");
            Thread.sleep(20);
        }
        throw new AssertionError(path + " never made progress");
    }
}
