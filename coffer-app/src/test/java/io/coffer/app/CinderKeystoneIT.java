package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cinder API with Keystone: tokens of the test Keystone (scripts/keystone-up.sh) are validated
 * against it, and two projects' members never see or touch each other's volumes and backups (404,
 * as Cinder answers); a token Keystone does not know is 401.
 */
class CinderKeystoneIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String env(String k) {
        String v = System.getenv(k);
        assertThat(v).as(k + " (set by scripts/test from scripts/keystone-up.sh)").isNotBlank();
        return v;
    }

    /** A Keystone call: the token it returns, and the body. */
    record Reply(int status, String token, JsonNode body) {}

    static Reply keystone(String method, String path, Object body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(env("KEYSTONE_AUTH_URL") + path)).header("Content-Type", "application/json");
        if (token != null) b.header("X-Auth-Token", token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        // a client per call: the test Keystone (keystone-wsgi-public) closes connections a pooled client would reuse
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.headers().firstValue("X-Subject-Token").orElse(null), r.body().isEmpty() ? null : JSON.readTree(r.body()));
    }

    static String token(String user, String password, String project) throws Exception {
        var auth = Map.of("auth", Map.of("identity", Map.of("methods", new String[] {"password"}, "password", Map.of("user",
                Map.of("name", user, "domain", Map.of("id", "default"), "password", password))),
                "scope", Map.of("project", Map.of("name", project, "domain", Map.of("id", "default")))));
        Reply r = keystone("POST", "/auth/tokens", auth, null);
        assertThat(r.status()).as("token of " + user + ": " + r.body()).isEqualTo(201);
        return r.token();
    }

    static ServerProcess.Response cinder(ServerProcess s, String token, String method, String path, String body) throws Exception {
        return s.call(method, path, body, Map.of("X-Auth-Token", token, "OpenStack-API-Version", "volume 3.70"));
    }

    @Test
    void eachProjectSeesAndTouchesOnlyItsOwnVolumesAndBackups() throws Exception {
        String projectA = env("KEYSTONE_PROJECT_ID");
        String tokenA = token(env("KEYSTONE_USERNAME"), env("KEYSTONE_PASSWORD"), env("KEYSTONE_PROJECT_NAME"));
        // a second project with a member of its own
        String admin = token(env("KEYSTONE_ADMIN_USERNAME"), env("KEYSTONE_ADMIN_PASSWORD"), "admin");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String projectB = keystone("POST", "/projects", Map.of("project", Map.of("name", "coffer-it-" + suffix, "domain_id", "default")), admin)
                .body().path("project").path("id").asText();
        String userB = keystone("POST", "/users", Map.of("user", Map.of("name", "coffer-it-" + suffix, "domain_id", "default", "password", "b-secret")), admin)
                .body().path("user").path("id").asText();
        String member = keystone("GET", "/roles?name=member", null, admin).body().path("roles").get(0).path("id").asText();
        assertThat(keystone("PUT", "/projects/" + projectB + "/users/" + userB + "/roles/" + member, null, admin).status()).isEqualTo(204);
        try {
            String tokenB = token("coffer-it-" + suffix, "b-secret", "coffer-it-" + suffix);
            Path data = Files.createDirectories(tmp.resolve("data"));
            Files.writeString(data.resolve("coffer.properties"), String.join("\n", "keystone.url=" + env("KEYSTONE_AUTH_URL"),
                    "keystone.user=" + env("KEYSTONE_ADMIN_USERNAME"), "keystone.password=" + env("KEYSTONE_ADMIN_PASSWORD"), "keystone.project=admin", ""));
            try (ServerProcess server = new ServerProcess(data).start()) {
                String a = "/v3/" + projectA, b = "/v3/" + projectB;
                var created = cinder(server, tokenA, "POST", a + "/volumes", "{\"volume\":{\"size\":1,\"name\":\"a-db\"}}");
                assertThat(created.status()).as(created.toString()).isEqualTo(202);
                String volume = created.body().path("volume").path("id").asText();
                assertThat(created.body().path("volume").path("os-vol-tenant-attr:tenant_id").asText()).isEqualTo(projectA);
                assertThat(created.body().path("volume").path("metadata").size()).as("the recorded project is not the user's metadata").isZero();
                Files.write(Path.of(server.get("/api/v1/volumes/" + volume).path("volume").path("path").asText()).resolve("f"), Fixtures.random(5, 100_000));
                var backup = cinder(server, tokenA, "POST", a + "/backups", "{\"backup\":{\"volume_id\":\"" + volume + "\",\"name\":\"a-full\"}}");
                assertThat(backup.status()).as(backup.toString()).isEqualTo(202);
                String id = backup.body().path("backup").path("id").asText();
                server.await("/api/v1/backups/" + id, "backup", Set.of("available"));

                // A sees its own, through both URL forms
                assertThat(cinder(server, tokenA, "GET", a + "/backups/detail", null).body().path("backups")).hasSize(1);
                // a member's filter a list does not take: a 400 naming it from 3.31, ignored before, as in Cinder
                var badFilter = cinder(server, tokenA, "GET", a + "/backups/detail?name=a-full&colour=blue", null);
                assertThat(badFilter.status()).as(badFilter.toString()).isEqualTo(400);
                assertThat(badFilter.body().path("badRequest").path("message").asText()).isEqualTo("Invalid filters colour are provided.");
                var old = server.call("GET", a + "/backups/detail?name=a-full&colour=blue", null, Map.of("X-Auth-Token", tokenA, "OpenStack-API-Version", "volume 3.30"));
                assertThat(old.body().path("backups")).as(old.toString()).hasSize(1);
                assertThat(cinder(server, tokenA, "GET", a + "/volumes/detail?name=a-db", null).body().path("volumes")).hasSize(1);
                assertThat(cinder(server, tokenA, "GET", a + "/volumes/detail?name=nope", null).body().path("volumes")).isEmpty();
                assertThat(cinder(server, tokenA, "GET", a + "/volumes/detail?bootable=true", null).status()).isEqualTo(400);
                assertThat(cinder(server, tokenA, "GET", "/v3/backups/" + id, null).status()).isEqualTo(200);
                assertThat(cinder(server, tokenA, "GET", a + "/backups/" + id, null).body().path("backup").path("os-backup-project-attr:project_id").asText()).isEqualTo(projectA);

                // B sees nothing of A's and can touch none of it
                assertThat(cinder(server, tokenB, "GET", b + "/backups/detail", null).body().path("backups")).isEmpty();
                assertThat(cinder(server, tokenB, "GET", b + "/volumes/detail", null).body().path("volumes")).isEmpty();
                for (String[] call : new String[][] {{"GET", b + "/backups/" + id, null}, {"DELETE", b + "/backups/" + id, null},
                        {"POST", b + "/backups/" + id + "/restore", "{\"restore\":{\"name\":\"stolen\"}}"}, {"GET", b + "/volumes/" + volume, null},
                        {"POST", b + "/backups", "{\"backup\":{\"volume_id\":\"" + volume + "\"}}"}, {"DELETE", b + "/volumes/" + volume, null},
                        {"GET", b + "/backups/" + id + "/export_record", null}}) {
                    var r = cinder(server, tokenB, call[0], call[1], call[2]);
                    assertThat(r.status()).as(String.join(" ", call[0], call[1]) + " -> " + r).isEqualTo(404);
                    assertThat(r.body().path("itemNotFound").path("message").asText()).endsWith("could not be found.");
                }
                // B's token for A's project URL, and a token Keystone never issued
                assertThat(cinder(server, tokenB, "GET", a + "/backups", null).status()).isEqualTo(400);
                var forged = cinder(server, "gAAAAABforgedforgedforgedforged", "GET", a + "/backups", null);
                assertThat(forged.status()).isEqualTo(401);
                assertThat(forged.body().path("unauthorized").path("code").asInt()).isEqualTo(401);

                // what B makes is B's: A does not see it, and a restore of A's backup is still A's alone
                var mine = cinder(server, tokenB, "POST", b + "/volumes", "{\"volume\":{\"size\":1,\"name\":\"b-db\"}}");
                assertThat(mine.status()).isEqualTo(202);
                assertThat(cinder(server, tokenA, "GET", a + "/volumes/detail", null).body().path("volumes")).hasSize(1);
                var restored = cinder(server, tokenA, "POST", a + "/backups/" + id + "/restore", "{\"restore\":{\"name\":\"a-copy\"}}");
                assertThat(restored.status()).as(restored.toString()).isEqualTo(202);
                String copy = restored.body().path("restore").path("volume_id").asText();
                assertThat(cinder(server, tokenA, "GET", a + "/volumes/" + copy, null).status()).isEqualTo(200);
                assertThat(cinder(server, tokenB, "GET", b + "/volumes/" + copy, null).status()).isEqualTo(404);
            }
        } finally {
            keystone("DELETE", "/users/" + userB, null, admin);
            keystone("DELETE", "/projects/" + projectB, null, admin);
        }
    }

    /** The real openstack client with a Keystone token, the volume endpoint given. */
    static CinderCliIT.Run openstack(ServerProcess server, String project, String token, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openstack", "--os-auth-type", "admin_token", "--os-endpoint", server.url() + "/v3/" + project,
                "--os-token", token, "--os-volume-api-version", "3.70"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /**
     * The real openstack client as a user runs it: a password for Keystone, which hands back a
     * token and the catalog, where the client finds the volumev3 endpoint (scripts/keystone-up.sh
     * names 127.0.0.1:KEYSTONE_VOLUME_PORT, the server the test starts).
     */
    static CinderCliIT.Run openstack(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openstack", "--os-auth-url", env("KEYSTONE_AUTH_URL"), "--os-username", env("KEYSTONE_USERNAME"),
                "--os-password", env("KEYSTONE_PASSWORD"), "--os-project-name", env("KEYSTONE_PROJECT_NAME"), "--os-user-domain-id", "default",
                "--os-project-domain-id", "default", "--os-volume-api-version", "3.70"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static CinderCliIT.Run run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new CinderCliIT.Run(p.exitValue(), new String(out).trim(), new String(err));
    }

    static String ok(CinderCliIT.Run r) {
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out();
    }

    @Test
    void theOpenstackClientFindsCofferInTheCatalogAndBacksUpAndRestores() throws Exception {
        assertThat(new ProcessBuilder("sh", "-c", "command -v openstack").start().waitFor()).as("the openstack client (apt-get install python3-openstackclient)").isZero();
        String project = env("KEYSTONE_PROJECT_ID");
        String token = token(env("KEYSTONE_USERNAME"), env("KEYSTONE_PASSWORD"), env("KEYSTONE_PROJECT_NAME"));
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("coffer.properties"), String.join("\n", "keystone.url=" + env("KEYSTONE_AUTH_URL"),
                "keystone.user=" + env("KEYSTONE_ADMIN_USERNAME"), "keystone.password=" + env("KEYSTONE_ADMIN_PASSWORD"), "keystone.project=admin", ""));
        try (ServerProcess server = new ServerProcess(data, Map.of(), Integer.parseInt(env("KEYSTONE_VOLUME_PORT"))).start()) {
            assertThat(ok(openstack("catalog", "show", "volumev3", "-f", "json"))).contains("\"url\": \"" + server.url() + "/v3/" + project + "\"");
            // Debian's openstackclient 6.0.0 asks the catalog for an image service on every volume create, even without --image:
            // volumes are made with the endpoint given; every backup command below finds Coffer in the catalog
            String volume = ok(openstack(server, project, token, "volume", "create", "--size", "1", "osc-db", "-f", "value", "-c", "id"));
            Path vol = Path.of(server.get("/api/v1/volumes/" + volume).path("volume").path("path").asText());
            Fixtures.richTree(vol);
            Files.write(vol.resolve("pages"), Fixtures.random(7, 2 << 20));
            String full = ok(openstack("volume", "backup", "create", "--name", "osc-full", "osc-db", "-f", "value", "-c", "id"));
            server.await("/api/v1/backups/" + full, "backup", Set.of("available"));
            try (RandomAccessFile f = new RandomAccessFile(vol.resolve("pages").toFile(), "rw")) {
                f.seek(1 << 20);
                f.write(Fixtures.random(8, 8192));
            }
            Map<String, String> atIncr = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
            String incr = ok(openstack("volume", "backup", "create", "--incremental", "--name", "osc-incr", "osc-db", "-f", "value", "-c", "id"));
            server.await("/api/v1/backups/" + incr, "backup", Set.of("available"));
            assertThat(ok(openstack("volume", "backup", "show", "osc-incr", "-f", "value", "-c", "is_incremental"))).isEqualTo("True");
            assertThat(ok(openstack("volume", "backup", "list", "-f", "value", "-c", "ID"))).contains(full).contains(incr);

            String copy = ok(openstack(server, project, token, "volume", "create", "--size", "1", "osc-copy", "-f", "value", "-c", "id"));
            CinderCliIT.Run restore = openstack("volume", "backup", "restore", "--force", "osc-incr", "osc-copy");
            // Debian's openstackclient 6.0.0 fails to print the accepted restore (its bug 2025277, against Cinder too): the restore runs
            if (restore.code() != 0) assertThat(restore.err()).as(restore.toString()).contains("cannot unpack non-iterable VolumeBackupsRestore object");
            server.await("/api/v1/volumes/" + copy, "volume", Set.of("available", "error_restoring"));
            Path copyPath = Path.of(server.get("/api/v1/volumes/" + copy).path("volume").path("path").asText());
            assertThat(TreeDigest.diff(atIncr, TreeDigest.of(copyPath, RemoteRepositoryIT.ROOT))).isEmpty();

            CinderCliIT.Run refused = openstack("volume", "backup", "delete", "osc-full");
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.all()).contains("Invalid backup: Incremental backups exist for this backup. (HTTP 400)");
            ok(openstack("volume", "backup", "delete", "osc-incr"));
            CinderCliIT.awaitGone(server, incr);
            ok(openstack("volume", "backup", "delete", "osc-full"));
            CinderCliIT.awaitGone(server, full);
            CinderCliIT.Run forged = openstack(server, project, "gAAAAABnotatoken", "volume", "backup", "list");
            assertThat(forged.code()).isEqualTo(1);
            assertThat(forged.all()).contains("HTTP 401");
        }
    }
}
