package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server running by itself, end to end through the CLI and the HTTP API: a per-minute
 * schedule makes backups with nobody asking; backups expire and are deleted (an expired full
 * backup goes while the incremental built on it stays restorable, bit for bit); a keep policy
 * keeps exactly its last N; a run missed while the server was down is made once at start-up; a
 * failing backup reaches a webhook listener (and an expiry too, when asked); the disk guard
 * refuses a backup up front; {@code /metrics} parses with Prometheus' own text parser
 * (python3-prometheus-client) and carries Coffer's families.
 */
class OperationsIT {
    static final Set<String> ROOT = Set.of("");
    static final Set<String> DONE = Set.of("available", "error");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    HttpServer hooks;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/hook", ex -> {
            received.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hooks.start();
    }

    @AfterEach
    void stop() {
        hooks.stop(0);
    }

    @Test
    void schedulesRetentionWebhooksAndMetrics() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path notADirectory = Files.writeString(tmp.resolve("not-a-directory"), "x");
        Files.writeString(data.resolve("coffer.properties"), "repository.local=" + data.resolve("repository") + "\nrepository.broken=" + notADirectory + "/repo\n");
        Map<String, String> env = Map.of("COFFER_RETENTION_INTERVAL", "1s", "COFFER_NOTIFY_WEBHOOK", "http://127.0.0.1:" + hooks.getAddress().getPort() + "/hook",
                "COFFER_NOTIFY_EVENTS", "expiry");
        Instant firstMinute;
        List<String> made = new ArrayList<>();
        try (ServerProcess server = new ServerProcess(data, env).start()) {
            // a schedule every minute, on a volume of its own; it works while the rest of the test runs
            Path minutely = volume(server, "minutely");
            Files.writeString(minutely.resolve("f"), "every minute");
            var created = server.cli("schedule", "create", "every-minute", "--volume", "minutely", "--cron", "* * * * *", "-o", "json");
            assertThat(created.code()).as(created.toString()).isZero();
            firstMinute = Instant.parse(ServerProcess.json(created).path("next_run_at").asText());
            assertThat(firstMinute).isAfter(Instant.now()).isBefore(Instant.now().plusSeconds(61));
            var badCron = server.cli("schedule", "create", "bad", "--volume", "minutely", "--cron", "every day");
            assertThat(badCron.code()).isEqualTo(2);
            assertThat(badCron.err()).contains("'every day' is not a cron expression");
            assertThat(server.cli("schedule", "create", "bad", "--volume", "minutely", "--cron", "@daily", "--time-zone", "Mars/Olympus").err())
                    .contains("time zone 'Mars/Olympus' is not known");

            // expiry: a full backup that expires, an incremental on it that does not
            Path app = volume(server, "app");
            Fixtures.richTree(app);
            Map<String, String> digest = TreeDigest.of(app, ROOT);
            var full = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"app\",\"expires_at\":\"" + Instant.now().plusSeconds(6) + "\"}");
            assertThat(full.status()).as(full.toString()).isEqualTo(202);
            String fullId = full.body().path("backup").path("id").asText();
            assertThat(server.await("/api/v1/backups/" + fullId, "backup", DONE).path("status").asText()).isEqualTo("available");
            var inc = server.cli("backup", "create", "app", "--incremental", "--wait", "-q", "-o", "json");
            assertThat(inc.code()).as(inc.toString()).isZero();
            String incId = ServerProcess.json(inc).path("id").asText();
            assertThat(ServerProcess.json(inc).path("parent_id").asText()).isEqualTo(fullId);
            var past = server.cli("backup", "create", "app", "--expires-at", "2020-01-01T00:00:00Z");
            assertThat(past.code()).isEqualTo(2);
            assertThat(past.err()).contains("is not in the future");
            awaitGone(server, fullId);
            JsonNode child = server.get("/api/v1/backups/" + incId).path("backup");
            assertThat(child.path("status").asText()).as("the incremental outlives its expired parent").isEqualTo("available");
            assertThat(child.path("parent_id").asText()).as("kept as history").isEqualTo(fullId);
            var r = server.cli("backup", "restore", incId, "--name", "app-again", "--wait", "-q", "-o", "json");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(TreeDigest.diff(digest, TreeDigest.of(Path.of(ServerProcess.json(r).path("path").asText()), ROOT))).isEmpty();
            awaitHook(e -> e.path("event").asText().equals("backup.expired") && e.path("backup_id").asText().equals(fullId));

            // a keep policy: three runs by hand, the last two kept
            assertThat(server.cli("schedule", "create", "keep-two", "--volume", "app", "--cron", "@yearly", "--keep-last", "2").code()).isZero();
            for (int i = 0; i < 3; i++) {
                var run = server.cli("schedule", "run", "keep-two", "-o", "json");
                assertThat(run.code()).as(run.toString()).isZero();
                String id = ServerProcess.json(run).path("last_backup_id").asText();
                made.add(id);
                assertThat(server.await("/api/v1/backups/" + id, "backup", DONE).path("status").asText()).isEqualTo("available");
                assertThat(server.get("/api/v1/backups/" + id).path("backup").path("metadata").path("backup.coffer.io/schedule").asText()).isEqualTo("keep-two");
            }
            awaitGone(server, made.get(0));
            Thread.sleep(2500); // two more sweeps: nothing else goes
            for (String kept : made.subList(1, 3)) assertThat(server.get("/api/v1/backups/" + kept).path("backup").path("status").asText()).isEqualTo("available");

            // a failing backup reaches the webhook, without secrets
            var broken = server.call("POST", "/api/v1/backups", "{\"volume_id\":\"app\",\"repository\":\"broken\"}");
            assertThat(broken.status()).as(broken.toString()).isEqualTo(202);
            String brokenId = broken.body().path("backup").path("id").asText();
            assertThat(server.await("/api/v1/backups/" + brokenId, "backup", DONE).path("status").asText()).isEqualTo("error");
            JsonNode failed = awaitHook(e -> e.path("event").asText().equals("job.failed") && e.path("resource_id").asText().equals(brokenId));
            assertThat(failed.path("kind").asText()).isEqualTo("backup");
            assertThat(failed.path("volume").asText()).isEqualTo("app");
            assertThat(failed.path("error").asText()).isNotBlank();
            assertThat(received).as("successes are not sent unless asked").noneMatch(e -> e.path("event").asText().equals("job.succeeded"));

            // a snapshot, so that its freeze window is measured
            assertThat(server.cli("snapshot", "create", "app", "--wait", "-q").code()).isZero();

            // the per-minute schedule made its backup by itself
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            JsonNode sched;
            do {
                Thread.sleep(500);
                sched = server.get("/api/v1/schedules/every-minute").path("schedule");
            } while (sched.path("runs").asLong() < 1 && System.nanoTime() < deadline);
            assertThat(sched.path("last_outcome").asText()).as(sched.toString()).startsWith("started full backup");
            assertThat(Instant.parse(sched.path("last_run_at").asText())).isAfterOrEqualTo(firstMinute);
            assertThat(Instant.parse(sched.path("next_run_at").asText())).isAfter(firstMinute);
            String auto = sched.path("last_backup_id").asText();
            assertThat(server.await("/api/v1/backups/" + auto, "backup", DONE).path("status").asText()).isEqualTo("available");

            // /metrics: Prometheus' parser reads it, and Coffer's families are there
            String metrics = server.call("GET", "/metrics", null).body().asText();
            Map<String, String> families = parse(metrics);
            for (String f : List.of("coffer_jobs", "coffer_job_duration_seconds", "coffer_backup_last_success_timestamp_seconds", "coffer_backup_bytes",
                    "coffer_repository_stored_bytes", "coffer_snapshot_freeze_seconds", "coffer_data_dir_free_bytes", "coffer_schedule_interval_seconds",
                    "coffer_schedule_last_success_timestamp_seconds", "coffer_events", "jvm_memory_used_bytes", "http_server_requests_seconds")) {
                assertThat(families).as(f).containsKey(f);
            }
            assertThat(families.get("coffer_jobs")).isEqualTo("counter");
            assertThat(families.get("coffer_job_duration_seconds")).isEqualTo("histogram");
            assertThat(metrics).contains("coffer_jobs_total{kind=\"backup\",status=\"failed\"} 1")
                    .contains("coffer_backup_bytes{kind=\"stored\",volume=\"app\"}")
                    .contains("coffer_schedule_interval_seconds{schedule=\"every-minute\"} 60")
                    .contains("coffer_snapshot_freeze_seconds_bucket{le=\"1.0\"}");
            assertThat(server.cli("schedule", "pause", "every-minute").code()).isZero();
        }

        // down across a run: the run is made once when the server is back
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("catalog.db")); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE schedules SET next_run_at = '2026-01-01T00:00:00.000Z' WHERE name = 'keep-two'");
        }
        try (ServerProcess server = new ServerProcess(data, env).start()) {
            JsonNode s = server.get("/api/v1/schedules/keep-two").path("schedule");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s.path("runs").asLong() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                s = server.get("/api/v1/schedules/keep-two").path("schedule");
            }
            assertThat(s.path("runs").asLong()).as("one run for the missed ones: " + s).isEqualTo(4);
            assertThat(Instant.parse(s.path("last_run_at").asText())).isAfter(Instant.now().minusSeconds(60));
            assertThat(Instant.parse(s.path("next_run_at").asText())).as("the next is @yearly's next").isAfter(Instant.now().plusSeconds(86400));
            assertThat(server.await("/api/v1/backups/" + s.path("last_backup_id").asText(), "backup", DONE).path("status").asText()).isEqualTo("available");
            Thread.sleep(1500);
            assertThat(server.get("/api/v1/schedules/keep-two").path("schedule").path("runs").asLong()).as("and only one").isEqualTo(4);
        }

        // the disk guard: a floor above what the disk has refuses the backup up front
        var guarded = new java.util.HashMap<>(env);
        guarded.put("COFFER_DISK_MIN_FREE", "1000000TiB");
        try (ServerProcess server = new ServerProcess(data, guarded).start()) {
            int before = server.get("/api/v1/backups").path("backups").size();
            var refused = server.cli("backup", "create", "app");
            assertThat(refused.code()).as(refused.toString()).isEqualTo(5);
            assertThat(refused.err()).contains("refused").contains("MiB free on").contains("disk.min_free");
            assertThat(server.get("/api/v1/backups").path("backups").size()).as("nothing half-made").isEqualTo(before);
            awaitHook(e -> e.path("event").asText().equals("disk.low"));
            assertThat(server.call("GET", "/metrics", null).body().asText()).contains("coffer_events_total{type=\"disk.low\"} 1");

            // the rest of the schedule commands
            assertThat(server.cli("schedule", "list").out()).contains("every-minute").contains("keep-two");
            var resumed = server.cli("schedule", "resume", "every-minute", "-o", "json");
            assertThat(ServerProcess.json(resumed).path("paused").asBoolean()).isFalse();
            assertThat(ServerProcess.json(resumed).path("next_run_at").asText()).isNotEmpty();
            var updated = server.cli("schedule", "update", "keep-two", "--keep-last", "5", "--cron", "0 4 * * 1", "-o", "json");
            assertThat(ServerProcess.json(updated).path("keep_last").asInt()).isEqualTo(5);
            assertThat(ServerProcess.json(updated).path("cron").asText()).isEqualTo("0 4 * * 1");
            assertThat(server.cli("schedule", "update", "keep-two").code()).isEqualTo(2);
            var verifyVolume = server.cli("schedule", "create", "v", "--volume", "app", "--cron", "@daily", "--verify-cron", "@monthly");
            assertThat(verifyVolume.err()).contains("--verify-cron needs a schedule of an instance");
            assertThat(server.cli("schedule", "delete", "every-minute").code()).isZero();
            assertThat(server.cli("schedule", "show", "every-minute").code()).isEqualTo(4);
            assertThat(server.get("/api/v1/backups/" + made.get(2)).path("backup").path("status").asText()).as("a schedule's backups outlive it").isEqualTo("available");
        }
        String all = received.toString();
        assertThat(all).doesNotContain("S3_SECRET").doesNotContain("password").doesNotContain("token");
    }

    private static Path volume(ServerProcess server, String name) throws Exception {
        var v = server.call("POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"1GiB\"}");
        assertThat(v.status()).as(v.toString()).isEqualTo(201);
        return Path.of(v.body().path("volume").path("path").asText());
    }

    private static void awaitGone(ServerProcess server, String backup) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (server.call("GET", "/api/v1/backups/" + backup, null).status() == 404) return;
            Thread.sleep(200);
        }
        throw new AssertionError("backup " + backup + " was not deleted: " + server.get("/api/v1/backups/" + backup));
    }

    private JsonNode awaitHook(Predicate<JsonNode> which) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (JsonNode e : received) if (which.test(e)) return e;
            Thread.sleep(100);
        }
        throw new AssertionError("no such webhook event among " + received);
    }

    /** Family name to type, as python3-prometheus-client's text parser reads the exposition. */
    private Map<String, String> parse(String text) throws Exception {
        Path f = Files.writeString(tmp.resolve("metrics.txt"), text);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import sys\nfrom prometheus_client.parser import text_string_to_metric_families\n"
                + "for fam in text_string_to_metric_families(open(sys.argv[1]).read()):\n    print(fam.name, fam.type)\n", f.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("python3-prometheus-client parses /metrics: " + out).isZero();
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            String[] kv = line.trim().split(" ");
            if (kv.length == 2) m.put(kv[0], kv[1]);
        }
        return m;
    }
}
