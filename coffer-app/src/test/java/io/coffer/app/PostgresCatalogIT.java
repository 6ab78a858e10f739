package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server on a PostgreSQL catalog (the one {@code scripts/test} starts, a fresh database):
 * the backup workflow, a SIGKILL in the middle of a backup and the restart's reconciliation.
 * Skipped without PostgreSQL on a workstation, a failure in CI.
 */
class PostgresCatalogIT {
    static final Set<String> ROOT = Set.of("");

    @TempDir
    Path tmp;

    static String freshDatabase() throws Exception {
        String server = System.getenv("COFFER_TEST_PG_URL");
        if ((server == null || server.isBlank()) && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("COFFER_TEST_PG_URL is not set: CI must start PostgreSQL with scripts/pg-up.sh");
        }
        assumeThat(server).as("PostgreSQL (scripts/pg-up.sh, COFFER_TEST_PG_URL)").isNotBlank();
        String db = "coffer_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(server); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        int q = server.indexOf('?');
        String base = q < 0 ? server : server.substring(0, q);
        return base.substring(0, base.lastIndexOf('/') + 1) + db + (q < 0 ? "" : server.substring(q));
    }

    @Test
    void theServiceRunsOnAPostgresCatalogAndReconcilesAfterAKill() throws Exception {
        Map<String, String> env = Map.of("COFFER_CATALOG_URL", freshDatabase());
        Path data = tmp.resolve("data");
        String full;
        Map<String, String> digest;
        String doomed;
        try (ServerProcess server = new ServerProcess(data, env).start()) {
            var v = server.cli("volume", "create", "pg", "--size", "4GiB", "-o", "json");
            assertThat(v.code()).as(v.toString()).isZero();
            Path vol = Path.of(ServerProcess.json(v).path("path").asText());
            Fixtures.richTree(vol);
            digest = TreeDigest.of(vol, ROOT);
            var b = server.cli("backup", "create", "pg", "--wait", "-q", "-o", "json");
            assertThat(b.code()).as(b.toString()).isZero();
            full = ServerProcess.json(b).path("id").asText();

            // a large backup, killed while it copies
            for (int f = 0; f < 8; f++) Files.write(vol.resolve("big" + f), Fixtures.random(40 + f, 64 << 20));
            var big = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"pg\"}");
            doomed = big.body().path("backup").path("id").asText();
            server.awaitBytesMoved("/api/v1/backups/" + doomed, "backup");
            server.kill();
        }
        assertThat(data.resolve("catalog.db")).as("the catalog is in PostgreSQL").doesNotExist();
        try (ServerProcess server = new ServerProcess(data, env).start()) {
            JsonNode d = server.get("/api/v1/backups/" + doomed).path("backup");
            assertThat(d.path("status").asText()).isEqualTo("error");
            assertThat(d.path("fail_reason").asText()).contains("incomplete backup reset on restart");
            assertThat(server.get("/api/v1/volumes/pg").path("volume").path("status").asText()).isEqualTo("available");
            var r = server.cli("backup", "restore", full, "--name", "pg-restored", "--wait", "-q", "-o", "json");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(TreeDigest.diff(digest, TreeDigest.of(Path.of(ServerProcess.json(r).path("path").asText()), ROOT))).isEmpty();
        }
    }
}
