package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three server processes, nodes a, b and c, each with its own data directory and CSI socket,
 * sharing one PostgreSQL catalog (a fresh database on the server {@code scripts/test} starts) and
 * one Swift repository: a job runs on the node of its volume whichever node took the request; a
 * volume made on node b from a snapshot taken on node a is restored there from the snapshot's
 * backup, through the REST API and through CSI (the independent gRPC client of
 * CsiConformanceIT, needs root); a
 * request that would touch another node's files is refused naming that node; a node that stops
 * leaves its running job alone on the others, reconciles it itself on restart, and then runs what
 * was queued for it while it was away.
 */
class MultiNodeIT {
    static final Set<String> ROOT = Set.of("");
    static final Set<String> DONE = Set.of("available", "error");

    @TempDir
    Path tmp;

    @Test
    void threeNodesShareOneCatalogAndOneRepository() throws Exception {
        RemoteRepositoryIT.requireCloud();
        String catalog = PostgresCatalogIT.freshDatabase();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, ServerProcess> nodes = new HashMap<>();
        try {
            for (String n : List.of("a", "b", "c")) nodes.put(n, node(n, catalog, run).start());
            ServerProcess a = nodes.get("a");
            ServerProcess b = nodes.get("b");
            ServerProcess c = nodes.get("c");

            var v = a.call("POST", "/api/v1/volumes", "{\"name\":\"db\",\"size\":\"1GiB\"}");
            assertThat(v.status()).as(v.toString()).isEqualTo(201);
            assertThat(v.body().path("volume").path("node").asText()).isEqualTo("a");
            Path vol = Path.of(v.body().path("volume").path("path").asText());
            assertThat(vol).startsWith(tmp.resolve("a"));
            Fixtures.richTree(vol);
            Files.write(vol.resolve("table.dat"), Fixtures.random(7, 3 << 20));
            Map<String, String> digest = TreeDigest.of(vol, ROOT);

            // a snapshot and its backup, both asked of node c: node a's files, so node a does the work
            var s = c.call("POST", "/api/v1/snapshots", "{\"volume_id\":\"db\",\"name\":\"db-snap\"}");
            assertThat(s.status()).as(s.toString()).isEqualTo(202);
            String snap = s.body().path("snapshot").path("id").asText();
            assertThat(c.await("/api/v1/snapshots/" + snap, "snapshot", DONE).path("status").asText()).isEqualTo("available");
            Files.writeString(vol.resolve("after-the-snapshot"), "not in it");
            var bk = c.call("POST", "/api/v1/backups", "{\"volume_id\":\"db\",\"snapshot_id\":\"" + snap + "\"}");
            assertThat(bk.status()).as(bk.toString()).isEqualTo(202);
            String backup = bk.body().path("backup").path("id").asText();
            assertThat(c.await("/api/v1/backups/" + backup, "backup", DONE).path("status").asText()).isEqualTo("available");
            for (JsonNode job : c.get("/api/v1/jobs").path("jobs")) {
                assertThat(job.path("node").asText()).as("every job ran on the volume's node: " + job).isEqualTo("a");
                assertThat(job.path("status").asText()).isEqualTo("succeeded");
            }

            // node b makes a volume from node a's snapshot: restored from its backup, on b
            var fromSnap = b.call("POST", "/api/v1/volumes", "{\"name\":\"db-on-b\",\"snapshot_id\":\"" + snap + "\"}");
            assertThat(fromSnap.status()).as(fromSnap.toString()).isEqualTo(202);
            JsonNode onB = b.await("/api/v1/volumes/db-on-b", "volume", Set.of("available", "error", "error_restoring"));
            assertThat(onB.path("status").asText()).as(onB.toString()).isEqualTo("available");
            assertThat(onB.path("node").asText()).isEqualTo("b");
            Path volB = Path.of(onB.path("path").asText());
            assertThat(volB).startsWith(tmp.resolve("b"));
            assertThat(TreeDigest.diff(digest, TreeDigest.of(volB, ROOT))).as("node a's snapshot, bit for bit, on node b").isEmpty();

            // another node's files are not touched from here
            var del = c.call("DELETE", "/api/v1/volumes/db", null);
            assertThat(del.status()).as(del.toString()).isEqualTo(409);
            assertThat(del.body().toString()).contains("lives on node a").contains("node a's server");
            assertThat(vol).isDirectory();

            // the same through CSI, driven by the independent gRPC client: a snapshot cut on node a
            // with an off-host copy, a PVC from it provisioned on node b
            Path desc = tmp.resolve("csi.desc");
            try (InputStream in = io.coffer.csi.CsiServer.class.getResourceAsStream("csi.desc")) {
                Files.copy(in, desc);
            }
            Path script = Path.of(System.getProperty("coffer.root"), "coffer-csi", "src", "test", "python", "csi_conformance.py");
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--endpoint", "unix://" + socket("a"), "--other-endpoint", "unix://" + socket("b"),
                    "--repository", "swift", "--descriptor", desc.toString(), "--workdir", tmp.resolve("targets").toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("1 passed, 0 failed");

            // node b stops (SIGKILL) in the middle of a backup of its volume
            for (int f = 0; f < 4; f++) Files.write(volB.resolve("big" + f), Fixtures.random(40 + f, 48 << 20));
            var big = a.call("POST", "/api/v1/backups", "{\"volume_id\":\"db-on-b\"}");
            assertThat(big.status()).as(big.toString()).isEqualTo(202);
            String doomed = big.body().path("backup").path("id").asText();
            b.awaitBytesMoved("/api/v1/backups/" + doomed, "backup");
            b.kill();
            // the others leave its job alone, even when they restart
            a.close();
            nodes.put("a", a = node("a", catalog, run).start());
            JsonNode stillB = a.get("/api/v1/backups/" + doomed).path("backup");
            assertThat(stillB.path("status").asText()).as("node a does not reconcile node b's backup").isEqualTo("creating");
            // its volume stays busy for everyone until node b says otherwise
            var queued = a.call("POST", "/api/v1/snapshots", "{\"volume_id\":\"db-on-b\",\"name\":\"while-b-was-away\"}");
            assertThat(queued.status()).as(queued.toString()).isEqualTo(409);
            assertThat(queued.body().toString()).contains("backing-up");
            b = node("b", catalog, run);
            nodes.put("b", b.start());
            JsonNode reconciled = b.get("/api/v1/backups/" + doomed).path("backup");
            assertThat(reconciled.path("status").asText()).isEqualTo("error");
            assertThat(reconciled.path("fail_reason").asText()).contains("incomplete backup reset on restart");
            assertThat(c.get("/api/v1/volumes/db-on-b").path("volume").path("status").asText()).isEqualTo("available");

            // a job queued for b while b is away runs when b is back
            b.kill();
            var later = c.call("POST", "/api/v1/snapshots", "{\"volume_id\":\"db-on-b\",\"name\":\"while-b-was-away\"}");
            assertThat(later.status()).as(later.toString()).isEqualTo(202);
            String laterId = later.body().path("snapshot").path("id").asText();
            Thread.sleep(1500);
            assertThat(c.get("/api/v1/snapshots/" + laterId).path("snapshot").path("status").asText()).as("nobody else runs it").isEqualTo("creating");
            b = node("b", catalog, run);
            nodes.put("b", b.start());
            assertThat(c.await("/api/v1/snapshots/" + laterId, "snapshot", DONE).path("status").asText()).isEqualTo("available");
        } finally {
            for (ServerProcess p : nodes.values()) p.close();
        }
    }

    private ServerProcess node(String id, String catalog, String run) throws Exception {
        Path data = Files.createDirectories(tmp.resolve(id));
        Files.writeString(data.resolve("coffer.properties"), String.join("\n",
                "repository.swift=swift://coffer-it/multinode-" + run,
                "repository.swift.auth_url=" + System.getenv("SWIFT_AUTH_URL"),
                "repository.swift.user=env:SWIFT_USER",
                "repository.swift.key=env:SWIFT_KEY",
                "repository.default=swift",
                ""));
        return new ServerProcess(data, Map.of("COFFER_CATALOG_URL", catalog, "COFFER_NODE_ID", id, "COFFER_CSI_ENDPOINT", "unix://" + socket(id),
                "SWIFT_USER", System.getenv("SWIFT_USER"), "SWIFT_KEY", System.getenv("SWIFT_KEY")));
    }

    private Path socket(String node) {
        return tmp.resolve(node + "-csi.sock");
    }
}
