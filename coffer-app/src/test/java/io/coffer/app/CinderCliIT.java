package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code cinder} client (Debian's python3-cinderclient, installed by scripts/test) drives
 * a real {@code coffer server} through its Cinder v3 API, with the noauth scheme it ships: volumes,
 * full and incremental backups, restores into a new and an existing volume, bit for bit, and
 * Cinder's own error lines for what Cinder refuses.
 */
class CinderCliIT {
    static final String PROJECT = "6a1f9c5e0d2b4e8f9a7c3b1d5e2f4a6c";

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        /** What the client printed, both streams (a multi-delete reports each failure on stdout). */
        public String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static Run cinder(ServerProcess server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("cinder"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("OS_AUTH_TYPE", "noauth");
        env.put("CINDER_ENDPOINT", server.url() + "/v3/" + PROJECT);
        env.put("OS_PROJECT_ID", PROJECT);
        env.put("OS_USER_ID", "u1");
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out), new String(err));
    }

    /** The value of a property in the client's two-column table. */
    static String property(Run r, String name) {
        for (String line : r.out().split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length >= 3 && cells[1].trim().equals(name)) return cells[2].trim();
        }
        throw new AssertionError("no " + name + " in\n" + r);
    }

    static Run ok(ServerProcess server, String... args) throws Exception {
        Run r = cinder(server, args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
        return r;
    }

    JsonNode awaitBackup(ServerProcess server, String id) throws Exception {
        JsonNode b = server.await("/api/v1/backups/" + id, "backup", Set.of("available", "error"));
        assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("available");
        return b;
    }

    @Test
    void theCinderClientCreatesBacksUpAndRestoresVolumesBitForBit() throws Exception {
        assertThat(new ProcessBuilder("sh", "-c", "command -v cinder").start().waitFor()).as("the cinder client (apt-get install python3-cinderclient)").isZero();
        try (ServerProcess server = new ServerProcess(Files.createDirectories(tmp.resolve("data"))).start()) {
            Run created = ok(server, "create", "1", "--name", "db");
            String volumeId = property(created, "id");
            assertThat(property(created, "size")).isEqualTo("1");
            Path vol = Path.of(server.get("/api/v1/volumes/" + volumeId).path("volume").path("path").asText());
            Fixtures.richTree(vol);
            Files.write(vol.resolve("pages"), Fixtures.random(1, 4 << 20));
            Map<String, String> atFull = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);

            // an incremental before any full: Cinder's refusal, word for word
            Run early = cinder(server, "backup-create", "--incremental", "db");
            assertThat(early.code()).isEqualTo(1);
            assertThat(early.all()).contains("ERROR: Invalid backup: No backups available to do an incremental backup. (HTTP 400)");

            String full = property(ok(server, "backup-create", "--name", "full1", "--container", "nightly", "db"), "id");
            awaitBackup(server, full);
            try (RandomAccessFile f = new RandomAccessFile(vol.resolve("pages").toFile(), "rw")) {
                f.seek(1 << 20);
                f.write(Fixtures.random(2, 8192));
            }
            Map<String, String> atIncr = TreeDigest.of(vol, RemoteRepositoryIT.ROOT);
            String incr = property(ok(server, "backup-create", "--name", "incr1", "--incremental", "--container", "nightly", "db"), "id");
            awaitBackup(server, incr);

            Run show = ok(server, "backup-show", incr);
            assertThat(property(show, "is_incremental")).isEqualTo("True");
            assertThat(property(show, "container")).isEqualTo("nightly");
            assertThat(property(show, "volume_id")).isEqualTo(volumeId);
            assertThat(property(show, "status")).isEqualTo("available");
            assertThat(property(ok(server, "backup-show", full), "has_dependent_backups")).isEqualTo("True");
            Run list = ok(server, "backup-list", "--status", "available");
            assertThat(list.out()).contains(full).contains(incr).contains("full1").contains("incr1");
            assertThat(ok(server, "backup-list", "--name", "incr1").out()).contains(incr).doesNotContain(full);

            // Cinder's refusals: a backup with incrementals, an attached volume, a volume too small, unknown ids
            Run dependents = cinder(server, "backup-delete", full);
            assertThat(dependents.code()).isEqualTo(1);
            assertThat(dependents.all()).contains("Invalid backup: Incremental backups exist for this backup. (HTTP 400)");
            assertThat(server.cli("volume", "attach", "db", "--instance", "host-a").code()).isZero();
            Run inUse = cinder(server, "backup-restore", "--volume", volumeId, full);
            assertThat(inUse.all()).contains("ERROR: Invalid volume: Volume to be restored to must be available (HTTP 400)");
            Run noForce = cinder(server, "backup-create", "db");
            assertThat(noForce.all()).contains("ERROR: Invalid volume: Backing up an in-use volume must use the force flag. (HTTP 400)");
            assertThat(server.cli("volume", "detach", "db").code()).isZero();
            // attach and detach through Cinder's volume actions; a body over the limit is Cinder's 413
            Map<String, String> admin = Map.of("X-Auth-Token", "u1:" + PROJECT, "OpenStack-API-Version", "volume 3.70");
            String actions = "/v3/" + PROJECT + "/volumes/" + volumeId + "/action";
            var attach = server.call("POST", actions, "{\"os-attach\":{\"instance_uuid\":\"4e3a9a6c-0000-4000-8000-000000000001\",\"mountpoint\":\"/dev/vdb\"}}", admin);
            assertThat(attach.status()).as(attach.toString()).isEqualTo(202);
            assertThat(property(ok(server, "show", volumeId), "status")).isEqualTo("in-use");
            assertThat(server.call("POST", actions, "{\"os-attach\":{\"host_name\":\"h2\"}}", admin).status()).isEqualTo(400);
            var detach = server.call("POST", actions, "{\"os-detach\":{}}", admin);
            assertThat(detach.status()).as(detach.toString()).isEqualTo(202);
            assertThat(property(ok(server, "show", volumeId), "status")).isEqualTo("available");
            var huge = server.call("POST", "/v3/" + PROJECT + "/backups", "{\"backup\":{\"name\":\"" + "x".repeat(2 << 20) + "\"}}", admin);
            assertThat(huge.status()).isEqualTo(413);
            assertThat(huge.body().path("overLimit").path("code").asInt()).isEqualTo(413);
            Run unknown = cinder(server, "backup-show", "00000000-0000-0000-0000-000000000001");
            assertThat(unknown.code()).isEqualTo(1);
            assertThat(unknown.all()).contains("No volumebackup with a name or ID of '00000000-0000-0000-0000-000000000001' exists.");
            // what the client asked for before saying so: Cinder's 404, and Cinder's 406 for a version out of range
            Map<String, String> auth = Map.of("X-Auth-Token", "u1:" + PROJECT, "OpenStack-API-Version", "volume 3.70");
            var missing = server.call("GET", "/v3/" + PROJECT + "/backups/00000000-0000-0000-0000-000000000001", null, auth);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.body().path("itemNotFound").path("message").asText()).isEqualTo("Backup 00000000-0000-0000-0000-000000000001 could not be found.");
            var tooNew = server.call("GET", "/v3/" + PROJECT + "/backups", null, Map.of("X-Auth-Token", "u1:" + PROJECT, "OpenStack-API-Version", "volume 3.99"));
            assertThat(tooNew.status()).isEqualTo(406);
            assertThat(tooNew.body().path("notAcceptable").path("code").asInt()).isEqualTo(406);
            var anonymous = server.call("GET", "/v3/" + PROJECT + "/backups", null);
            assertThat(anonymous.status()).isEqualTo(401);
            var versions = server.call("GET", "/", null);
            assertThat(versions.status()).isEqualTo(300);
            assertThat(versions.body().path("versions").get(0).path("version").asText()).isEqualTo("3.70");

            // restore the incremental into a new volume, and the full into a volume made for it
            Run restored = ok(server, "backup-restore", "--name", "copy", incr);
            String copyId = property(restored, "volume_id");
            assertThat(property(restored, "volume_name")).isEqualTo("copy");
            server.await("/api/v1/volumes/" + copyId, "volume", Set.of("available", "error_restoring"));
            Path copy = Path.of(server.get("/api/v1/volumes/" + copyId).path("volume").path("path").asText());
            assertThat(TreeDigest.diff(atIncr, TreeDigest.of(copy, RemoteRepositoryIT.ROOT))).isEmpty();
            String second = property(ok(server, "create", "1", "--name", "second"), "id");
            ok(server, "backup-restore", "--volume", second, full);
            server.await("/api/v1/volumes/" + second, "volume", Set.of("available", "error_restoring"));
            Path secondPath = Path.of(server.get("/api/v1/volumes/" + second).path("volume").path("path").asText());
            assertThat(TreeDigest.diff(atFull, TreeDigest.of(secondPath, RemoteRepositoryIT.ROOT))).isEmpty();
            assertThat(property(ok(server, "show", "copy"), "status")).isEqualTo("available");

            // exported here, imported by another server that reaches the same repository under another name, restored there
            Run exported = ok(server, "backup-export", full);
            assertThat(property(exported, "backup_service")).isEqualTo("coffer");
            String url = property(exported, "backup_url");
            Path data2 = Files.createDirectories(tmp.resolve("data2"));
            Files.writeString(data2.resolve("coffer.properties"), "repository.offsite=" + server.dataDir.resolve("repository") + "\nrepository.default=offsite\n");
            try (ServerProcess other = new ServerProcess(data2).start()) {
                Run wrong = cinder(other, "backup-import", "cinder.backup.drivers.swift.SwiftBackupDriver", url);
                assertThat(wrong.all()).contains("this server imports records of coffer only").contains("(HTTP 400)");
                Run imported = ok(other, "backup-import", "coffer", url);
                assertThat(property(imported, "id")).isEqualTo(full);
                Run again = cinder(other, "backup-import", "coffer", url);
                assertThat(again.all()).contains("is in this catalog already").contains("(HTTP 400)");
                assertThat(property(ok(other, "backup-show", full), "status")).isEqualTo("available");
                String there = property(ok(other, "backup-restore", "--name", "imported-copy", full), "volume_id");
                other.await("/api/v1/volumes/" + there, "volume", Set.of("available", "error_restoring"));
                Path therePath = Path.of(other.get("/api/v1/volumes/" + there).path("volume").path("path").asText());
                assertThat(TreeDigest.diff(atFull, TreeDigest.of(therePath, RemoteRepositoryIT.ROOT))).isEmpty();
            }

            // rename and describe (3.9, metadata 3.43), reset to error and back (the manifest is there)
            ok(server, "backup-update", "--name", "incr-renamed", "--description", "after the page write", "--metadata", "team=db", "--", incr);
            Run updated = ok(server, "backup-show", "incr-renamed");
            assertThat(property(updated, "description")).isEqualTo("after the page write");
            assertThat(property(updated, "metadata")).contains("'team': 'db'");
            ok(server, "backup-reset-state", "--state", "error", incr);
            assertThat(property(ok(server, "backup-show", incr), "status")).isEqualTo("error");
            ok(server, "backup-reset-state", incr);
            assertThat(property(ok(server, "backup-show", incr), "status")).isEqualTo("available");
            Run badState = cinder(server, "backup-reset-state", "--state", "creating", incr);
            assertThat(badState.all()).contains("Backup status: creating is invalid, valid statuses are: ['available', 'error']. (HTTP 400)");

            // the same through Coffer's own API
            var described = server.call("PUT", "/api/v1/backups/" + full, "{\"description\":\"the first\"}");
            assertThat(described.status()).as(described.toString()).isEqualTo(200);
            assertThat(described.body().path("backup").path("description").asText()).isEqualTo("the first");
            assertThat(described.body().path("backup").path("name").asText()).isEqualTo("full1");
            var reset = server.call("POST", "/api/v1/backups/" + full + "/reset-status", "{\"status\":\"deleted\"}");
            assertThat(reset.status()).isEqualTo(400);
            var cliUpdate = server.cli("backup", "update", full, "--name", "full1", "--metadata", "tier=gold", "-o", "json");
            assertThat(cliUpdate.code()).as(cliUpdate.toString()).isZero();
            assertThat(ServerProcess.json(cliUpdate).path("metadata").path("tier").asText()).isEqualTo("gold");
            var cliReset = server.cli("backup", "reset-status", full, "--state", "error");
            assertThat(cliReset.code()).as(cliReset.toString()).isZero();
            assertThat(server.cli("backup", "reset-status", full).code()).isZero();
            assertThat(server.cli("backup", "reset-status", full, "--state", "bogus").code()).isEqualTo(2);

            // a backup whose manifest is gone from the repository is never called available again
            String lost = property(ok(server, "backup-create", "--name", "lost", "--container", "scratch", "db"), "id");
            String manifest = awaitBackup(server, lost).path("manifest_id").asText();
            try (var files = Files.walk(server.dataDir)) {
                Path m = files.filter(p -> p.getFileName().toString().equals(manifest)).findFirst().orElseThrow();
                Files.delete(m);
            }
            ok(server, "backup-reset-state", "--state", "error", lost);
            Run notAvailable = cinder(server, "backup-reset-state", lost);
            assertThat(notAvailable.all()).contains("cannot be called available: its manifest is not in repository").contains("(HTTP 400)");
            assertThat(property(ok(server, "backup-show", lost), "status")).isEqualTo("error");
            ok(server, "backup-delete", "--force", lost);
            awaitGone(server, lost);

            // the same backups through Coffer's own API, and their deletion newest first
            assertThat(server.get("/api/v1/backups/" + incr).path("backup").path("parent_id").asText()).isEqualTo(full);
            ok(server, "backup-delete", incr);
            awaitGone(server, incr);
            ok(server, "backup-delete", full);
            awaitGone(server, full);
            assertThat(ok(server, "backup-list").out()).doesNotContain(full).doesNotContain(incr);
        }
    }

    static void awaitGone(ServerProcess server, String backup) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (server.call("GET", "/api/v1/backups/" + backup, null).status() != 404) {
            assertThat(System.nanoTime()).as("backup " + backup + " deleted").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Rename, extend and reset-state of volumes through the client, Coffer's own CLI seeing the same; lists scoped by project. */
    @Test
    void theCinderClientRenamesExtendsAndResetsVolumes() throws Exception {
        try (ServerProcess server = new ServerProcess(Files.createDirectories(tmp.resolve("data"))).start()) {
            String id = property(ok(server, "create", "1", "--name", "disk", "--volume-type", "image"), "id");
            Path image = Path.of(server.get("/api/v1/volumes/" + id).path("volume").path("path").asText());
            byte[] head = Fixtures.random(7, 1 << 20);
            Files.write(image, head, java.nio.file.StandardOpenOption.WRITE);

            ok(server, "extend", "disk", "3");
            assertThat(property(ok(server, "show", id), "size")).isEqualTo("3");
            assertThat(Files.size(image)).isEqualTo(3L << 30); // the image grew, its data stayed
            try (var in = Files.newInputStream(image)) {
                assertThat(in.readNBytes(1 << 20)).isEqualTo(head);
            }
            Run shrink = cinder(server, "extend", "disk", "2");
            assertThat(shrink.all()).contains("New size for extend must be greater than current size. (current: 3, extended: 2).").contains("(HTTP 400)");

            ok(server, "rename", "--description", "the data disk", "disk", "data");
            Run shown = ok(server, "show", id);
            assertThat(property(shown, "name")).isEqualTo("data");
            assertThat(property(shown, "description")).isEqualTo("the data disk");
            assertThat(server.get("/api/v1/volumes/data").path("volume").path("id").asText()).isEqualTo(id);
            // Cinder's names need not be unique: a taken name is the Cinder name of a volume whose Coffer name has a suffix
            String otherId = property(ok(server, "create", "1", "--name", "other"), "id");
            ok(server, "rename", "data", "other");
            assertThat(property(ok(server, "show", id), "name")).isEqualTo("other");
            assertThat(cinder(server, "show", "other").all()).contains("Multiple volume matches found for 'other'");
            JsonNode twin = server.get("/api/v1/volumes/" + id).path("volume");
            assertThat(twin.path("name").asText()).startsWith("other-");
            assertThat(twin.path("labels").path("cinder.display_name").asText()).isEqualTo("other");
            assertThat(ok(server, "show", id).out()).doesNotContain("cinder.display_name");
            ok(server, "delete", otherId);
            ok(server, "rename", id, "data"); // a free name again: the Coffer name follows and the label goes
            JsonNode back = server.get("/api/v1/volumes/" + id).path("volume");
            assertThat(back.path("name").asText()).isEqualTo("data");
            assertThat(back.path("labels").has("cinder.display_name")).isFalse();

            // reset-state: error and back; attached, available detaches it; other states are refused
            ok(server, "reset-state", "--state", "error", "data");
            assertThat(property(ok(server, "show", id), "status")).isEqualTo("error");
            ok(server, "reset-state", "--state", "available", "data");
            assertThat(server.cli("volume", "attach", "data", "--instance", "host-a").code()).isZero();
            Run inUseExtend = cinder(server, "--os-volume-api-version", "3.0", "extend", "data", "4");
            assertThat(inUseExtend.all()).contains("status must be 'available' to extend, but current status is: in-use.").contains("(HTTP 400)");
            ok(server, "extend", "data", "4"); // 3.42 and later extend in-use volumes
            ok(server, "reset-state", "--state", "available", "--attach-status", "detached", "data");
            JsonNode native_ = server.get("/api/v1/volumes/" + id).path("volume");
            assertThat(native_.path("status").asText()).isEqualTo("available");
            assertThat(native_.path("attached_to").isMissingNode() || native_.path("attached_to").isNull()).as(native_.toString()).isTrue();
            Run creating = cinder(server, "reset-state", "--state", "creating", "data");
            assertThat(creating.all()).contains("to available or error only, not 'creating'").contains("(HTTP 400)");

            // Coffer's own CLI: update, extend, reset-status
            var renamed = server.cli("volume", "update", "data", "--name", "data2", "--label", "tier=gold", "-o", "json");
            assertThat(renamed.code()).as(renamed.toString()).isZero();
            assertThat(ServerProcess.json(renamed).path("labels").path("tier").asText()).isEqualTo("gold");
            var grown = server.cli("volume", "extend", "data2", "5GiB", "-o", "json");
            assertThat(grown.code()).as(grown.toString()).isZero();
            assertThat(ServerProcess.json(grown).path("size_bytes").asLong()).isEqualTo(5L << 30);
            assertThat(server.cli("volume", "extend", "data2", "1GiB").code()).isEqualTo(2);
            assertThat(server.cli("volume", "reset-status", "data2", "--state", "error").code()).isZero();
            assertThat(server.cli("volume", "reset-status", "data2", "--state", "bogus").code()).isEqualTo(2);
            assertThat(server.cli("volume", "reset-status", "data2").code()).isZero();
            assertThat(property(ok(server, "show", id), "name")).isEqualTo("data2");

            // another project's volume: not in this project's list, in an admin's list with --all-tenants
            String other = "9b6e2c1a0f8d4e7b9c3a2d1e0f4b5a6c";
            var theirs = server.call("POST", "/v3/" + other + "/volumes", "{\"volume\":{\"size\":1,\"name\":\"theirs\"}}",
                    Map.of("X-Auth-Token", "u2:" + other));
            assertThat(theirs.status()).as(theirs.toString()).isEqualTo(202);
            String theirsId = theirs.body().path("volume").path("id").asText();
            assertThat(ok(server, "list").out()).contains(id).doesNotContain(theirsId);
            assertThat(ok(server, "list", "--all-tenants").out()).contains(id).contains(theirsId);
            var theirList = server.call("GET", "/v3/" + other + "/volumes/detail?all_tenants=1", null, Map.of("X-Auth-Token", "u2:" + other));
            assertThat(theirList.body().toString()).contains(theirsId);
            // a name this project uses is free for another: no refusal tells them it exists
            var same = server.call("POST", "/v3/" + other + "/volumes", "{\"volume\":{\"size\":1,\"name\":\"data2\"}}", Map.of("X-Auth-Token", "u2:" + other));
            assertThat(same.status()).as(same.toString()).isEqualTo(202);
            assertThat(same.body().path("volume").path("name").asText()).isEqualTo("data2");
            var ours = server.call("GET", "/v3/" + PROJECT + "/volumes?name=data2", null, Map.of("X-Auth-Token", "u1:" + PROJECT));
            assertThat(ours.body().path("volumes").findValuesAsText("id")).as("this project's data2 alone").containsExactly(id);
            // the client looks names up across projects (all_tenants, as an admin does in Cinder): two now
            assertThat(cinder(server, "show", "data2").all()).contains("Multiple volume matches found for 'data2'");
        }
    }
}
