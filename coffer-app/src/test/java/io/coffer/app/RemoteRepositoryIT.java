package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repositories in object storage, through the real launcher and server: a real OpenStack Swift
 * and its S3 API ({@code scripts/test} starts it and exports {@code SWIFT_AUTH_URL},
 * {@code S3_ENDPOINT} and their credentials). Skipped without it on a workstation, a failure in CI.
 */
class RemoteRepositoryIT {
    static final Set<String> ROOT = Set.of("");

    @TempDir
    Path tmp;

    @BeforeEach
    void requireSwift() {
        requireCloud();
    }

    /** Swift and its S3 API, as scripts/test starts them: skipped without on a workstation, a failure in CI. */
    static void requireCloud() {
        boolean up = System.getenv("SWIFT_AUTH_URL") != null && System.getenv("S3_ENDPOINT") != null;
        if (!up && "true".equals(System.getenv("CI"))) throw new IllegalStateException("CI must run the remote repository tests against the Swift that scripts/test starts");
        assumeThat(up).as("SWIFT_AUTH_URL and S3_ENDPOINT (scripts/swift-up.sh)").isTrue();
    }

    /** The environment the aws and swift CLIs read. */
    static Map<String, String> cloudEnv() {
        Map<String, String> e = new HashMap<>();
        e.put("AWS_ENDPOINT_URL", System.getenv("S3_ENDPOINT"));
        e.put("AWS_ACCESS_KEY_ID", System.getenv("S3_ACCESS_KEY"));
        e.put("AWS_SECRET_ACCESS_KEY", System.getenv("S3_SECRET_KEY"));
        e.put("AWS_REGION", System.getenv().getOrDefault("S3_REGION", "us-east-1"));
        e.put("ST_AUTH", System.getenv("SWIFT_AUTH_URL"));
        e.put("ST_USER", System.getenv("SWIFT_USER"));
        e.put("ST_KEY", System.getenv("SWIFT_KEY"));
        return e;
    }

    @Test
    void theOfflineCliBacksUpAndRestoresBitExactThroughS3AndSwift() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Fixtures.richTree(src);
        Map<String, String> digest = TreeDigest.of(src, ROOT);
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String repo : new String[] {"s3://coffer-it/cli-s3-" + run, "swift://coffer-it/cli-swift-" + run}) {
            var init = CofferProcess.run(cloudEnv(), "repo", "init", "--repo", repo, "-q");
            assertThat(init.code()).as(init.toString()).isZero();
            var b = CofferProcess.run(cloudEnv(), "repo", "backup", "--repo", repo, "-q", src.toString());
            assertThat(b.code()).as(b.toString()).isZero();
            Path out = tmp.resolve("out-" + repo.substring(0, 2));
            var r = CofferProcess.run(cloudEnv(), "repo", "restore", "--repo", repo, "-q", "latest", out.toString());
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(TreeDigest.diff(digest, TreeDigest.of(out, ROOT))).as(repo).isEmpty();
            var check = CofferProcess.run(cloudEnv(), "repo", "check", "--read-data", "--repo", repo);
            assertThat(check.code()).as(check.toString()).isZero();
        }
        // Swift's S3 buckets are its containers: what was written through S3 reads through Swift
        var across = CofferProcess.run(cloudEnv(), "repo", "check", "--read-data", "--repo", "swift://coffer-it/cli-s3-" + run);
        assertThat(across.code()).as(across.toString()).isZero();
        assertThat(across.out()).contains("1 backups");
        var badKey = new HashMap<>(cloudEnv());
        badKey.put("ST_KEY", "not-the-key");
        var refused = CofferProcess.run(badKey, "repo", "ls", "--repo", "swift://coffer-it/cli-swift-" + run);
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("credentials were refused").doesNotContain("not-the-key").doesNotContain("Exception");
    }

    @Test
    void theServiceBacksUpToNamedS3AndSwiftRepositoriesAndRestoresBitExact() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path secret = tmp.resolve("s3-secret");
        Files.writeString(secret, System.getenv("S3_SECRET_KEY") + "\n");
        String run = UUID.randomUUID().toString().substring(0, 8);
        Files.writeString(data.resolve("coffer.properties"), String.join("\n",
                "repository.local=" + data.resolve("repository"),
                "repository.s3=s3://coffer-it/service-" + run,
                "repository.s3.endpoint=" + System.getenv("S3_ENDPOINT"),
                "repository.s3.access_key_id=env:S3_ACCESS_KEY",
                "repository.s3.secret_access_key=file:" + secret,
                "repository.swift=swift://{container}/service-" + run,
                "repository.swift.auth_url=" + System.getenv("SWIFT_AUTH_URL"),
                "repository.swift.user=env:SWIFT_USER",
                "repository.swift.key=env:SWIFT_KEY",
                ""));
        Map<String, String> env = Map.of("S3_ACCESS_KEY", System.getenv("S3_ACCESS_KEY"), "SWIFT_USER", System.getenv("SWIFT_USER"),
                "SWIFT_KEY", System.getenv("SWIFT_KEY"));
        try (ServerProcess server = new ServerProcess(data, env).start()) {
            var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"db\",\"size\":\"1GiB\"}");
            Path vol = Path.of(v.body().path("volume").path("path").asText());
            Fixtures.richTree(vol);
            Files.write(vol.resolve("table.dat"), Fixtures.random(3, 6 << 20));
            Map<String, String> digest = TreeDigest.of(vol, ROOT);
            for (String repo : new String[] {"s3", "swift"}) {
                var b = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"db\",\"repository\":\"" + repo + "\",\"container\":\"coffer-it-" + repo + "\"}");
                assertThat(b.status()).as(b.toString()).isEqualTo(202);
                JsonNode done = server.await("/api/v1/backups/" + b.body().path("backup").path("id").asText(), "backup", Set.of("available", "error"));
                assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("available");
                var r = server.cli("backup", "restore", done.path("id").asText(), "--name", "from-" + repo, "--wait", "-q", "-o", "json");
                assertThat(r.code()).as(r.toString()).isZero();
                assertThat(TreeDigest.diff(digest, TreeDigest.of(Path.of(ServerProcess.json(r).path("path").asText()), ROOT))).as(repo).isEmpty();
            }
            // the Swift backup went into the container its request named, as in Cinder
            var ls = CofferProcess.run(cloudEnv(), "repo", "ls", "--repo", "swift://coffer-it-swift/service-" + run);
            assertThat(ls.code()).as(ls.toString()).isZero();
            assertThat(ls.out()).contains("dir");
            assertThat(server.log()).doesNotContain(System.getenv("S3_SECRET_KEY")).doesNotContain(System.getenv("SWIFT_KEY"));
        }
    }
}
