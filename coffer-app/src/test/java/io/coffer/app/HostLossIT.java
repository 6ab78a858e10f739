package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.RandomAccessFile;
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
 * Losing the host: one server backs up into Swift, its whole data directory (catalog, volumes,
 * local repository) is destroyed, and a second server with an empty catalog imports every backup
 * from the repository alone and restores each one bit-exact, through the real launcher and CLI.
 */
class HostLossIT {
    @TempDir
    Path tmp;

    @BeforeEach
    void requireSwift() {
        new RemoteRepositoryIT().requireSwift();
    }

    @Test
    void aSecondServerImportsEveryBackupFromTheRepositoryAloneAndRestoresThemBitExact() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String container = "coffer-it-hostloss";
        String config = String.join("\n",
                "repository.offsite=swift://{container}/hostloss-" + run,
                "repository.offsite.auth_url=" + System.getenv("SWIFT_AUTH_URL"),
                "repository.offsite.user=env:SWIFT_USER",
                "repository.offsite.key=env:SWIFT_KEY",
                "container.default=" + container,
                "");
        Map<String, String> env = Map.of("SWIFT_USER", System.getenv("SWIFT_USER"), "SWIFT_KEY", System.getenv("SWIFT_KEY"));

        Path first = Files.createDirectories(tmp.resolve("host-a"));
        Files.writeString(first.resolve("coffer.properties"), config);
        Map<String, String> full, incr;
        byte[] image;
        Map<String, JsonNode> made = new HashMap<>();
        try (ServerProcess a = new ServerProcess(first, env).start()) {
            Path vol = Path.of(ServerProcess.json(ok(a.cli("volume", "create", "db", "--size", "1GiB", "-o", "json"))).path("path").asText());
            Fixtures.richTree(vol);
            Files.write(vol.resolve("table.dat"), Fixtures.random(7, 5 << 20));
            full = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
            var reserved = a.cli("backup", "create", "db", "--metadata", "coffer.volume_id=forged");
            assertThat(reserved.code()).as(reserved.toString()).isEqualTo(2);
            assertThat(reserved.err()).contains("metadata key 'coffer.volume_id' is reserved");
            JsonNode b1 = ServerProcess.json(ok(a.cli("backup", "create", "db", "--name", "nightly-1", "--description", "before the upgrade",
                    "--metadata", "team=payments", "--metadata", "tier=gold", "--wait", "-q", "-o", "json")));
            try (RandomAccessFile f = new RandomAccessFile(vol.resolve("table.dat").toFile(), "rw")) {
                f.seek(1 << 20);
                f.write(Fixtures.random(8, 64 << 10));
            }
            Files.writeString(vol.resolve("added.txt"), "written after the full backup\n");
            incr = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
            JsonNode b2 = ServerProcess.json(ok(a.cli("backup", "create", "db", "--incremental", "--name", "nightly-2", "--wait", "-q", "-o", "json")));

            Path img = Path.of(ServerProcess.json(ok(a.cli("volume", "create", "disk", "--size", "32MiB", "--driver", "image", "-o", "json"))).path("path").asText());
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                f.seek(3 << 20);
                f.write(Fixtures.random(9, 2 << 20));
            }
            image = Files.readAllBytes(img);
            JsonNode b3 = ServerProcess.json(ok(a.cli("backup", "create", "disk", "--wait", "-q", "-o", "json")));
            for (JsonNode b : new JsonNode[] {b1, b2, b3}) made.put(b.path("id").asText(), b);
        }
        try (var all = Files.walk(first)) { // the host is gone: catalog, volumes, everything local
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }

        Path second = Files.createDirectories(tmp.resolve("host-b"));
        Files.writeString(second.resolve("coffer.properties"), config);
        try (ServerProcess b = new ServerProcess(second, env).start()) {
            assertThat(b.get("/api/v1/backups").path("backups")).isEmpty();

            // by location: the URL names the container
            var imported = b.cli("backup", "import", "--repo", "swift://" + container + "/hostloss-" + run, "-o", "json");
            JsonNode result = ServerProcess.json(ok(imported));
            assertThat(result.path("repository").asText()).isEqualTo("offsite");
            assertThat(result.path("container").asText()).isEqualTo(container);
            assertThat(result.path("skipped")).isEmpty();
            assertThat(result.path("imported")).hasSize(3);
            for (JsonNode got : b.get("/api/v1/backups").path("backups")) {
                JsonNode was = made.get(got.path("id").asText());
                assertThat(was).as("imported backup %s was made on the first host", got.path("id")).isNotNull();
                for (String field : new String[] {"name", "description", "status", "container", "volume_id", "volume_name", "volume_size_bytes",
                        "is_incremental", "parent_id", "metadata", "created_at", "data_timestamp", "manifest_id", "logical_bytes", "files"}) {
                    assertThat(got.path(field)).as("%s of backup %s", field, got.path("id")).isEqualTo(was.path(field));
                }
            }
            String fullId = id(made, "nightly-1"), incrId = id(made, "nightly-2");
            assertThat(b.get("/api/v1/backups/" + fullId).path("backup").path("has_dependent_backups").asBoolean()).isTrue();

            // every backup restores bit-exact into a new volume
            assertThat(TreeDigest.diff(full, TreeDigest.of(restore(b, fullId, "db-full"), RemoteRepositoryIT.ROOT))).isEmpty();
            assertThat(TreeDigest.diff(incr, TreeDigest.of(restore(b, incrId, "db-incr"), RemoteRepositoryIT.ROOT))).isEmpty();
            String imageId = made.keySet().stream().filter(k -> !k.equals(fullId) && !k.equals(incrId)).findFirst().orElseThrow();
            assertThat(Files.readAllBytes(restore(b, imageId, "disk-again"))).isEqualTo(image);

            // importing again, by name, adds nothing
            JsonNode again = ServerProcess.json(ok(b.cli("backup", "import", "--repo", "offsite", "-o", "json")));
            assertThat(again.path("imported")).isEmpty();
            assertThat(again.path("skipped")).hasSize(3);
            assertThat(again.path("skipped").get(0).path("reason").asText()).isEqualTo("already in the catalog");

            // what the server cannot reach again, or that holds nothing, is refused clearly
            var uncovered = b.cli("backup", "import", "--repo", "s3://somewhere-else/prefix");
            assertThat(uncovered.code()).isNotZero();
            assertThat(uncovered.err()).contains("no configured repository covers s3://somewhere-else/prefix").doesNotContain("Exception");
            var empty = b.cli("backup", "import", "--repo", "offsite", "--container", "coffer-it-empty-" + run);
            assertThat(empty.code()).as(empty.toString()).isEqualTo(4);
            assertThat(empty.err()).contains("holds no repository");

            // imported backups are managed like any other: the incremental can be deleted, the full then restores still
            ok(b.cli("backup", "delete", incrId, "--wait", "-q"));
            assertThat(TreeDigest.diff(full, TreeDigest.of(restore(b, fullId, "db-full-2"), RemoteRepositoryIT.ROOT))).isEmpty();
            assertThat(b.log()).doesNotContain(System.getenv("SWIFT_KEY"));
        }
    }

    private static String id(Map<String, JsonNode> made, String name) {
        return made.values().stream().filter(b -> name.equals(b.path("name").asText())).findFirst().orElseThrow().path("id").asText();
    }

    private static Path restore(ServerProcess s, String backup, String name) throws Exception {
        return Path.of(ServerProcess.json(ok(s.cli("backup", "restore", backup, "--name", name, "--wait", "-q", "-o", "json"))).path("path").asText());
    }

    private static CofferProcess.Result ok(CofferProcess.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }
}
