package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults between the server and a real object store: {@code scripts/HttpProxy.java} in front of
 * the real Swift fails, drops or leaves unanswered a share of the requests, or stops altogether.
 */
class StoreFaultsIT {
    @TempDir
    Path tmp;

    @BeforeEach
    void requireSwift() {
        new RemoteRepositoryIT().requireSwift();
    }

    private static Map<String, String> env() {
        return Map.of("S3_ACCESS_KEY", System.getenv("S3_ACCESS_KEY"), "S3_SECRET_KEY", System.getenv("S3_SECRET_KEY"),
                "SWIFT_USER", System.getenv("SWIFT_USER"), "SWIFT_KEY", System.getenv("SWIFT_KEY"));
    }

    /** Configuration for an S3 and a Swift repository reached through {@code proxy}, plus extra lines. */
    private static String config(String proxy, String run, String... extra) {
        return String.join("\n",
                "repository.s3=s3://coffer-it-faults/s3-" + run,
                "repository.s3.endpoint=" + proxy,
                "repository.s3.access_key_id=env:S3_ACCESS_KEY",
                "repository.s3.secret_access_key=env:S3_SECRET_KEY",
                "repository.s3.timeout=2s",
                "repository.swift=swift://coffer-it-faults/swift-" + run,
                "repository.swift.auth_url=" + proxy + "/auth/v1.0",
                "repository.swift.user=env:SWIFT_USER",
                "repository.swift.key=env:SWIFT_KEY",
                "repository.swift.timeout=2s",
                String.join("\n", extra),
                "");
    }

    @Test
    void backupsAndRestoresCompleteBitExactWhenTenPercentOfRequestsFailOrHang() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String upstream = ProxyProcess.hostPort(System.getenv("S3_ENDPOINT"));
        try (ProxyProcess proxy = new ProxyProcess(upstream, tmp.resolve("stats.json"), "--fail", "0.05", "--reset", "0.03", "--hang", "0.03").start()) {
            Path data = Files.createDirectories(tmp.resolve("data"));
            Files.writeString(data.resolve("coffer.properties"), config(proxy.url(), run));
            try (ServerProcess server = new ServerProcess(data, env()).start()) {
                Path vol = Path.of(ServerProcess.json(server.cli("volume", "create", "db", "--size", "1GiB", "-o", "json")).path("path").asText());
                Fixtures.richTree(vol);
                for (int i = 0; i < 8; i++) Files.write(vol.resolve("seg" + i), Fixtures.random(100 + i, 3 << 20));
                Map<String, String> full = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
                for (String repo : new String[] {"s3", "swift"}) {
                    String b1 = backup(server, repo, false);
                    try (RandomAccessFile f = new RandomAccessFile(vol.resolve("seg3").toFile(), "rw")) {
                        f.seek(1 << 20);
                        f.write(Fixtures.random(200, 256 << 10));
                    }
                    Files.write(vol.resolve("new-" + repo), Fixtures.random(300, 2 << 20));
                    Map<String, String> incr = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
                    String b2 = backup(server, repo, true);
                    assertThat(TreeDigest.diff(full, TreeDigest.of(restore(server, b1, repo + "-full"), RemoteRepositoryIT.ROOT))).as(repo).isEmpty();
                    assertThat(TreeDigest.diff(incr, TreeDigest.of(restore(server, b2, repo + "-incr"), RemoteRepositoryIT.ROOT))).as(repo).isEmpty();
                    full = incr;
                }
            }
            Thread.sleep(500); // the proxy writes its counts every 200 ms
            JsonNode stats = proxy.stats();
            System.out.println("proxy: " + stats);
            JsonNode kinds = stats.path("by_kind");
            long faults = kinds.path("fault:fail").asLong() + kinds.path("fault:reset").asLong() + kinds.path("fault:hang").asLong();
            assertThat(kinds.path("fault:fail").asLong()).as("%s", stats).isPositive();
            assertThat(kinds.path("fault:reset").asLong()).as("%s", stats).isPositive();
            assertThat(kinds.path("fault:hang").asLong()).as("%s", stats).isPositive();
            assertThat(faults).as("%s", stats).isGreaterThanOrEqualTo(stats.path("requests").asLong() / 25);
        }
        // what the faults let through is whole: every pack and blob verifies, read directly
        for (String repo : new String[] {"s3://coffer-it-faults/s3-" + run + "/backups", "swift://coffer-it-faults/swift-" + run + "/backups"}) {
            var check = CofferProcess.run(RemoteRepositoryIT.cloudEnv(), "repo", "check", "--read-data", "--repo", repo);
            assertThat(check.code()).as(check.toString()).isZero();
            assertThat(check.out()).startsWith("no errors: 2 backups");
        }
    }

    @Test
    void aBackupWhoseStoreGoesAwayEndsInErrorAndTheNextOneSucceedsWhenItReturns() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String upstream = ProxyProcess.hostPort(System.getenv("S3_ENDPOINT"));
        try (ProxyProcess proxy = new ProxyProcess(upstream, tmp.resolve("stats.json")).start()) {
            Path data = Files.createDirectories(tmp.resolve("data"));
            Files.writeString(data.resolve("coffer.properties"), config(proxy.url(), run, "repository.default=swift"));
            // the server runs in its default heap (288 MiB): a pack whose upload has finished must
            // not stay pinned by the HTTP client (that once made this backup run out of memory)
            try (ServerProcess server = new ServerProcess(data, env()).start()) {
                Path vol = Path.of(ServerProcess.json(server.cli("volume", "create", "db", "--size", "1GiB", "-o", "json")).path("path").asText());
                Files.write(vol.resolve("small"), Fixtures.random(1, 1 << 20));
                String first = backup(server, "swift", false);
                for (int i = 0; i < 6; i++) Files.write(vol.resolve("big" + i), Fixtures.random(10 + i, 64 << 20));
                Map<String, String> digest = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);

                var started = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"db\",\"name\":\"doomed\"}");
                assertThat(started.status()).as(started.toString()).isEqualTo(202);
                String doomed = started.body().path("backup").path("id").asText();
                server.awaitBytesMoved("/api/v1/backups/" + doomed, "backup");
                proxy.stop();
                JsonNode failed = server.await("/api/v1/backups/" + doomed, "backup", Set.of("available", "error"));
                assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("error");
                assertThat(failed.path("fail_reason").asText()).as(failed.toString())
                        .contains("swift://coffer-it-faults/swift-" + run).contains("cannot connect to 127.0.0.1").doesNotContain("Exception").doesNotContain(System.getenv("SWIFT_KEY"));
                assertThat(server.get("/api/v1/volumes/db").path("volume").path("status").asText()).isEqualTo("available");

                // nothing of it is visible as a backup in the repository
                var ls = CofferProcess.run(RemoteRepositoryIT.cloudEnv(), "repo", "ls", "-o", "json", "--repo", "swift://coffer-it-faults/swift-" + run + "/backups");
                assertThat(ls.code()).as(ls.toString()).isZero();
                assertThat(ServerProcess.json(ls)).hasSize(1);

                proxy.start();
                String next = backup(server, "swift", true);
                assertThat(TreeDigest.diff(digest, TreeDigest.of(restore(server, next, "after"), RemoteRepositoryIT.ROOT))).isEmpty();
                assertThat(server.get("/api/v1/backups/" + first).path("backup").path("status").asText()).isEqualTo("available");
            }
        }
    }

    @Test
    void refusedCredentialsAMissingBucketAndAnUnreachableEndpointEachGiveOneClearError() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("coffer.properties"), String.join("\n",
                "repository.badkey=swift://coffer-it-faults/badkey-" + run,
                "repository.badkey.auth_url=" + System.getenv("SWIFT_AUTH_URL"),
                "repository.badkey.user=env:SWIFT_USER",
                "repository.badkey.key=not-the-key",
                "repository.nowhere=s3://coffer-it-faults/nowhere",
                "repository.nowhere.endpoint=http://127.0.0.1:9",
                "repository.nowhere.access_key_id=x",
                "repository.nowhere.secret_access_key=y",
                "repository.nobucket=s3://coffer-it-missing-" + run + "/x",
                "repository.nobucket.endpoint=" + System.getenv("S3_ENDPOINT"),
                "repository.nobucket.access_key_id=env:S3_ACCESS_KEY",
                "repository.nobucket.secret_access_key=env:S3_SECRET_KEY",
                ""));
        try (ServerProcess server = new ServerProcess(data, env()).start()) {
            server.cli("volume", "create", "db", "--size", "1GiB");
            for (String[] c : new String[][] {{"badkey", "credentials were refused"}, {"nowhere", "127.0.0.1:9"}}) {
                var b = server.cli("backup", "create", "db", "--repository", c[0], "--wait", "-q", "-o", "json");
                assertThat(b.code()).as(b.toString()).isEqualTo(3);
                assertThat(b.err()).as(c[0]).contains(c[1]).doesNotContain("not-the-key").doesNotContain("\tat ");
                assertThat(ServerProcess.json(b).path("fail_reason").asText()).contains(c[1]);
            }
            var missing = server.call("POST", "/api/v1/backups/import", "{\"repository\":\"nobucket\"}");
            assertThat(missing.status()).as(missing.toString()).isEqualTo(404);
            assertThat(missing.body().path("error").path("message").asText()).contains("s3://coffer-it-missing-" + run);
        }
        // and from the offline CLI
        var env = new java.util.HashMap<>(RemoteRepositoryIT.cloudEnv());
        var missing = CofferProcess.run(env, "repo", "check", "--repo", "s3://coffer-it-missing-" + run + "/x");
        assertThat(missing.code()).as(missing.toString()).isEqualTo(4);
        assertThat(missing.err()).contains("no repository at s3://coffer-it-missing-" + run);
        env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
        var nowhere = CofferProcess.run(env, "repo", "check", "--repo", "s3://coffer-it-missing-" + run + "/x");
        assertThat(nowhere.code()).as(nowhere.toString()).isNotZero();
        assertThat(nowhere.err()).contains("127.0.0.1:9").doesNotContain("\tat ");
    }

    private static String backup(ServerProcess s, String repo, boolean incremental) throws Exception {
        var r = incremental ? s.cli("backup", "create", "db", "--repository", repo, "--incremental", "--wait", "-q", "-o", "json")
                : s.cli("backup", "create", "db", "--repository", repo, "--wait", "-q", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        return ServerProcess.json(r).path("id").asText();
    }

    private static Path restore(ServerProcess s, String backup, String name) throws Exception {
        var r = s.cli("backup", "restore", backup, "--name", name, "--wait", "-q", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        return Path.of(ServerProcess.json(r).path("path").asText());
    }
}
