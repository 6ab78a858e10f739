package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.instance.DbEngine;
import io.coffer.instance.Endpoint;
import io.coffer.instance.LocalRuntime;
import io.coffer.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real PostgreSQL 15 (data checksums) and MariaDB 10.11 servers on Coffer volumes, under a
 * continuous write load whose every acknowledged commit is recorded: application- and
 * crash-consistent backups taken during the load, restored into new instances that Coffer starts,
 * must hold every transaction committed before the backup began (and no gap), and pass
 * verification (pg_amcheck, CHECK TABLE). Then the failures: unknown instance, database down,
 * wrong credentials, engine not installed — clear errors, nothing left locked.
 *
 * <p>Needs root (the servers run as their own users) and Debian's postgresql and mariadb-server:
 * skipped without them, a failure in CI.
 */
class DatabaseInstancesIT {
    @TempDir
    Path tmp;

    private final List<Runnable> cleanups = new ArrayList<>();

    @BeforeEach
    void requireServers() throws IOException {
        boolean ok = Fixtures.isRoot() && !Files.notExists(Path.of("/usr/lib/postgresql")) && Files.isExecutable(Path.of("/usr/sbin/mariadbd"))
                && Files.isExecutable(Path.of("/usr/bin/mariadb-install-db"));
        if (!ok && "true".equals(System.getenv("CI"))) throw new IllegalStateException("DatabaseInstancesIT needs root, postgresql and mariadb-server in CI");
        assumeThat(ok).as("root, postgresql and mariadb-server").isTrue();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // the servers' users walk into it
    }

    @AfterEach
    void cleanUp() {
        for (Runnable r : cleanups.reversed()) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    @Test
    void postgresBackupsUnderLoadRestoreIntoVerifiedInstances() throws Exception {
        try (ServerProcess server = new ServerProcess(tmp.resolve("data")).start()) {
            Path vol = volume(server, "pgvol");
            sh("chown", "postgres:postgres", vol.toString());
            sh("chmod", "700", vol.toString());
            sh("runuser", "-u", "postgres", "--", pgBin().resolve("initdb").toString(), "-D", vol.toString(), "-A", "trust", "-U", "postgres",
                    "--data-checksums");
            LocalRuntime.Running src = LocalRuntime.start(DbEngine.POSTGRESQL, vol, tmp.resolve("run-pg"), "postgres", null, Duration.ofSeconds(60));
            cleanups.add(() -> stop(DbEngine.POSTGRESQL, src.pid()));
            Endpoint ep = new Endpoint(DbEngine.POSTGRESQL, "127.0.0.1", src.port(), null, "postgres", null);
            try (Connection c = ep.connect(null); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, pad text NOT NULL)");
                st.execute("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g");
                st.execute("CREATE INDEX bulk_v ON bulk (v)");
            }
            var reg = server.cli("instance", "register", "pgsrc", "--engine", "postgresql", "--volume", "pgvol", "--host", "127.0.0.1",
                    "--port", Integer.toString(src.port()), "-o", "json");
            assertThat(reg.code()).as(reg.toString()).isZero();
            assertThat(server.get("/api/v1/volumes/pgvol").path("volume").path("status").asText()).isEqualTo("in-use");
            // the running database's volume cannot be detached (a restore over it would follow)
            var detach = server.cli("volume", "detach", "pgvol");
            assertThat(detach.code()).as(detach.toString()).isEqualTo(5);
            assertThat(detach.err()).contains("holds instance pgsrc").contains("coffer instance unregister pgsrc");
            assertThat(server.get("/api/v1/volumes/pgvol").path("volume").path("status").asText()).isEqualTo("in-use");

            try (Writer w = new Writer(ep, null)) {
                w.awaitCommits(200);
                checkRoundTrip(server, w, "pgsrc", "application", "postgres");
                checkRoundTrip(server, w, "pgsrc", "crash", "postgres");
                checkApplicationSnapshot(server, w);
                checkScheduledVerification(server);
                assertThat(w.failure.get()).as("the writer never failed during the backups").isNull();
            }

            // wrong credentials: the backup fails with the reason, the database runs on, nothing stays in backup mode
            assertThat(server.cli("instance", "register", "pgbad", "--engine", "postgresql", "--volume", volume(server, "pgbadvol").getFileName().toString(),
                    "--host", "127.0.0.1", "--port", Integer.toString(src.port()), "--user", "nobody").code()).isZero();
            var bad = server.cli("instance", "backup", "pgbad", "--wait", "-o", "json");
            assertThat(bad.code()).as(bad.toString()).isEqualTo(3);
            assertThat(ServerProcess.json(bad).path("fail_reason").asText()).contains("cannot quiesce instance pgbad").contains("nobody");
            try (Connection c = ep.connect(null); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'coffer%'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("no replication slot left behind").isZero();
            }

            // database down: application backup says it cannot connect, crash backup that no server runs
            stop(DbEngine.POSTGRESQL, src.pid());
            var down = server.cli("instance", "backup", "pgsrc", "--wait", "-o", "json");
            assertThat(down.code()).isEqualTo(3);
            assertThat(ServerProcess.json(down).path("fail_reason").asText()).contains("cannot connect to postgresql at 127.0.0.1:" + src.port());
            var downCrash = server.cli("instance", "backup", "pgsrc", "--crash-consistent", "--wait", "-o", "json");
            assertThat(downCrash.code()).isEqualTo(3);
            assertThat(ServerProcess.json(downCrash).path("fail_reason").asText()).contains("pid file");
            assertThat(server.get("/api/v1/volumes/pgvol").path("volume").path("status").asText()).isEqualTo("in-use");

            // unknown instance
            var unknown = server.cli("instance", "backup", "nosuch");
            assertThat(unknown.code()).isEqualTo(4);
            assertThat(unknown.err()).contains("Instance nosuch could not be found");
            assertThat(server.call("POST", "/instances/nosuch/backup", "{}").status()).isEqualTo(404);
            assertThat(server.call("POST", "/api/v1/instances", "{\"name\":\"x\",\"engine\":\"oracle\",\"volume_id\":\"pgvol\",\"host\":\"h\"}").body()
                    .path("error").path("message").asText()).contains("engine 'oracle' is not supported");
        }

        // engine not installed: restore and verify are refused with what to install, nothing is created
        try (ServerProcess server = new ServerProcess(tmp.resolve("data"), Map.of("COFFER_JAVA_OPTS", "-Dcoffer.postgresql.root=/nonexistent")).start()) {
            String backup = server.get("/instances/pgsrc/backups").path("backups").get(0).path("id").asText();
            int volumes = server.get("/api/v1/volumes").path("volumes").size();
            var r = server.call("POST", "/instances/pgsrc/restore", "{\"backup\":\"" + backup + "\"}");
            assertThat(r.status()).as(r.toString()).isEqualTo(422);
            assertThat(r.body().path("error").path("message").asText()).contains("apt-get install postgresql");
            var v = server.cli("backup", "verify", backup);
            assertThat(v.code()).isEqualTo(2);
            assertThat(server.get("/api/v1/volumes").path("volumes").size()).isEqualTo(volumes);
        }
    }

    @Test
    void mariadbBackupsUnderLoadRestoreIntoVerifiedInstances() throws Exception {
        try (ServerProcess server = new ServerProcess(tmp.resolve("data")).start()) {
            Path vol = volume(server, "mdbvol");
            sh("chown", "mysql:mysql", vol.toString());
            sh("mariadb-install-db", "--no-defaults", "--datadir=" + vol, "--user=mysql", "--auth-root-authentication-method=normal");
            LocalRuntime.Running src = LocalRuntime.start(DbEngine.MARIADB, vol, tmp.resolve("run-mdb"), "root", null, Duration.ofSeconds(60));
            cleanups.add(() -> stop(DbEngine.MARIADB, src.pid()));
            Path pw = tmp.resolve("coffer.pw");
            Files.writeString(pw, "s3cret\n");
            sh("mariadb", "--no-defaults", "-S", src.socketDir().resolve("mysqld.sock").toString(), "-u", "root", "-e",
                    "CREATE USER coffer@'127.0.0.1' IDENTIFIED BY 's3cret'; GRANT ALL ON *.* TO coffer@'127.0.0.1';"
                            + " CREATE DATABASE app; CREATE TABLE app.ledger (id BIGINT PRIMARY KEY, pad TEXT NOT NULL) ENGINE=InnoDB;"
                            + " CREATE TABLE app.bulk (id INT PRIMARY KEY, v CHAR(32), KEY (v)) ENGINE=InnoDB;"
                            + " USE app; INSERT INTO bulk SELECT seq, md5(seq) FROM seq_1_to_100000;");
            Endpoint ep = new Endpoint(DbEngine.MARIADB, "127.0.0.1", src.port(), null, "coffer", "s3cret");
            var reg = server.cli("instance", "register", "mdbsrc", "--engine", "mariadb", "--volume", "mdbvol", "--host", "127.0.0.1",
                    "--port", Integer.toString(src.port()), "--user", "coffer", "--password-file", pw.toString());
            assertThat(reg.code()).as(reg.toString()).isZero();
            assertThat(reg.out()).doesNotContain("s3cret");

            try (Writer w = new Writer(ep, "app")) {
                w.awaitCommits(200);
                checkRoundTrip(server, w, "mdbsrc", "application", "app");
                checkRoundTrip(server, w, "mdbsrc", "crash", "app");
                assertThat(w.failure.get()).as("the writer never failed during the backups").isNull();
            }

            // wrong password: clear reason, the database keeps taking writes (no read lock left)
            Files.writeString(tmp.resolve("wrong.pw"), "wrong\n");
            assertThat(server.cli("instance", "register", "mdbbad", "--engine", "mariadb", "--volume", volume(server, "mdbbadvol").getFileName().toString(),
                    "--host", "127.0.0.1", "--port", Integer.toString(src.port()), "--user", "coffer", "--password-file", tmp.resolve("wrong.pw").toString())
                    .code()).isZero();
            var bad = server.cli("instance", "backup", "mdbbad", "--wait", "-o", "json");
            assertThat(bad.code()).isEqualTo(3);
            assertThat(ServerProcess.json(bad).path("fail_reason").asText()).contains("cannot quiesce instance mdbbad").contains("Access denied");
            try (Connection c = ep.connect("app"); Statement st = c.createStatement()) {
                st.execute("SET SESSION lock_wait_timeout = 5");
                assertThat(st.executeUpdate("INSERT INTO ledger VALUES (999999999, 'after')")).isEqualTo(1);
            }
        }
    }

    /**
     * Backs {@code instance} up through the DBaaS API while {@code w} writes, restores the backup
     * into a new instance, and checks it holds every transaction acknowledged before the backup
     * began, with no gap; then verifies the backup.
     */
    private void checkRoundTrip(ServerProcess server, Writer w, String instance, String consistency, String database) throws Exception {
        long before = w.acknowledged();
        String body = "{\"backupName\":\"" + instance + "-" + consistency + "\",\"retentionDays\":\"7\""
                + (consistency.equals("crash") ? ",\"consistency\":\"crash\"" : "") + "}";
        var r = server.call("POST", "/instances/" + instance + "/backup", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String id = r.body().path("backup").path("id").asText();
        JsonNode b = server.await("/instances/" + instance + "/backups/" + id, "backup", Set.of("available", "error"));
        assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("available");
        assertThat(b.path("consistency").asText()).isEqualTo(consistency);
        assertThat(b.path("instance_id").asText()).isNotEmpty();
        assertThat(b.path("quiesce").path("window_ms").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(b.path("quiesce").has("write_pause_ms")).isTrue();
        JsonNode md = b.path("metadata");
        assertThat(md.path("app.kubernetes.io/managed-by").asText()).isEqualTo("coffer");
        assertThat(md.path("backup.coffer.io/source").asText()).isEqualTo(instance);
        assertThat(md.path("backup.coffer.io/type").asText()).isEqualTo("full");
        assertThat(md.path("backup.coffer.io/retention-days").asText()).isEqualTo("7");
        assertThat(server.get("/instances/" + instance + "/backups").path("backups").findValuesAsText("id")).contains(id);
        long afterBackup = w.acknowledged();
        assertThat(afterBackup).as("writes went on during the backup").isGreaterThan(before);

        String copy = instance + "-" + consistency + "-copy";
        var rr = server.call("POST", "/instances/" + instance + "/restore", "{\"backup\":\"" + id + "\",\"name\":\"" + copy + "\"}");
        assertThat(rr.status()).as(rr.toString()).isEqualTo(202);
        JsonNode job = server.await("/api/v1/jobs/" + rr.body().path("restore").path("job_id").asText(), "job", Set.of("succeeded", "failed"));
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("succeeded");
        var shown = server.cli("instance", "show", copy, "-o", "json");
        JsonNode inst = ServerProcess.json(shown);
        long copyPid = inst.path("pid").asLong();
        cleanups.add(() -> stop(w.ep.engine(), copyPid));
        assertThat(inst.path("status").asText()).isEqualTo("running");
        assertThat(inst.path("managed").asBoolean()).isTrue();
        assertThat(inst.path("labels").path("restore.coffer.io/source-backup").asText()).isEqualTo(id);
        assertThat(inst.path("labels").path("restore.coffer.io/restored-from").asText()).isEqualTo(instance);
        JsonNode vol = server.get("/api/v1/volumes/" + inst.path("volume_id").asText()).path("volume");
        assertThat(vol.path("labels").path("restore.coffer.io/type").asText()).isEqualTo("new-instance");
        assertThat(vol.path("attached_to").asText()).isEqualTo(copy);

        Endpoint restored = new Endpoint(w.ep.engine(), inst.path("host").asText(), inst.path("port").asInt(), null, w.ep.user(), w.ep.password());
        TreeSet<Long> ids = new TreeSet<>();
        try (Connection c = restored.connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM ledger")) {
            while (rs.next()) ids.add(rs.getLong(1));
        }
        assertThat(ids).as("every transaction acknowledged before the backup began").isNotEmpty();
        assertThat(ids.last()).as(consistency + ": acknowledged before the backup began: 1.." + before).isGreaterThanOrEqualTo(before);
        assertThat(ids).as("no gap: a prefix of the single writer's commits").hasSize((int) (long) ids.last()).contains(1L);

        // a restored instance is a live database: it takes writes
        try (Connection c = restored.connect(database); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("INSERT INTO ledger VALUES (-1, 'restored')")).isEqualTo(1);
        }

        // unregistering stops the server Coffer started
        assertThat(server.cli("instance", "unregister", copy).code()).isZero();
        assertThat(ProcessHandle.of(copyPid).map(ProcessHandle::isAlive).orElse(false)).as("the restored server was stopped").isFalse();
        assertThat(server.get("/api/v1/volumes/" + inst.path("volume_id").asText()).path("volume").path("status").asText()).isEqualTo("available");

        var v = server.cli("backup", "verify", id, "--query", "SELECT count(*) FROM ledger", "--database", database, "--wait", "-o", "json");
        assertThat(v.code()).as(v.toString()).isZero();
        JsonNode ver = ServerProcess.json(v).path("verification");
        assertThat(ver.path("status").asText()).isEqualTo("passed");
        assertThat(ver.path("time_to_ready_ms").asLong()).isPositive();
        assertThat(ver.path("query_result").asLong()).as("the backup holds what the restored instance held before it was written to").isEqualTo(ids.size());
        System.out.printf("%s %s: acknowledged before %d, restored %d rows; quiesce %s window %d ms, write pause %d ms; restore ready in %s ms;"
                + " verify %d ms (ready %d ms)%n", w.ep.engine().id(), consistency, before, ids.size(), b.path("quiesce").path("method").asText(),
                b.path("quiesce").path("window_ms").asLong(), b.path("quiesce").path("write_pause_ms").asLong(),
                inst.path("labels").path("restore.coffer.io/time-to-ready-ms").asText(), ver.path("duration_ms").asLong(), ver.path("time_to_ready_ms").asLong());
        if (w.ep.engine().isPostgres()) {
            assertThat(ver.path("checks").asText()).isEqualTo("pg_amcheck --all: no corruption");
            assertThat(ver.path("data_checksums").asText()).isEqualTo("on");
        } else {
            assertThat(ver.path("checks").asText()).startsWith("CHECK TABLE: ").endsWith("tables OK").doesNotContain(" 0 of");
        }
    }

    /**
     * A snapshot of the volume cut with the instance quiesced (the CSI class parameter
     * {@code consistency: application}, here through the CLI): a PostgreSQL started on a volume made
     * from it recovers to a consistent state holding every commit acknowledged before the cut.
     */
    private void checkApplicationSnapshot(ServerProcess server, Writer w) throws Exception {
        var refused = server.cli("snapshot", "create", "pgvol", "--consistency", "sometimes");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("consistency 'sometimes' is not known");
        long before = w.acknowledged();
        var s = server.cli("snapshot", "create", "pgvol", "--name", "pg-app", "--consistency", "application", "--wait", "-o", "json");
        assertThat(s.code()).as(s.toString()).isZero();
        JsonNode snap = ServerProcess.json(s);
        assertThat(snap.path("consistency").asText()).isEqualTo("application");
        assertThat(w.acknowledged()).as("writes went on during the cut").isGreaterThan(before);
        var v = server.cli("volume", "create", "pg-from-app-snapshot", "--snapshot", "pg-app", "--wait", "-o", "json");
        assertThat(v.code()).as(v.toString()).isZero();
        Path data = Path.of(ServerProcess.json(v).path("path").asText());
        assertThat(data.resolve("backup_label")).as("PostgreSQL's backup label, written into the snapshot").exists();
        LocalRuntime.Running copy = LocalRuntime.start(DbEngine.POSTGRESQL, data, tmp.resolve("run-pg-snap"), "postgres", null, Duration.ofSeconds(60));
        cleanups.add(() -> stop(DbEngine.POSTGRESQL, copy.pid()));
        Endpoint ep = new Endpoint(DbEngine.POSTGRESQL, "127.0.0.1", copy.port(), null, "postgres", null);
        TreeSet<Long> ids = new TreeSet<>();
        try (Connection c = ep.connect(null); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM ledger")) {
            while (rs.next()) ids.add(rs.getLong(1));
        }
        assertThat(ids.last()).as("acknowledged before the snapshot began: 1.." + before).isGreaterThanOrEqualTo(before);
        assertThat(ids).as("no gap: a prefix of the single writer's commits").hasSize((int) (long) ids.last()).contains(1L);
        stop(DbEngine.POSTGRESQL, copy.pid());
        assertThat(server.cli("volume", "delete", "pg-from-app-snapshot").code()).isZero();
        assertThat(server.cli("snapshot", "delete", "pg-app").code()).isZero();
    }

    /**
     * A schedule of the instance: its run makes an application-consistent backup labelled with it,
     * and its verification (what --verify-cron does at its times) starts that backup's database and
     * records a pass, which /metrics then reports.
     */
    private void checkScheduledVerification(ServerProcess server) throws Exception {
        var created = server.cli("schedule", "create", "pg-nightly", "--instance", "pgsrc", "--cron", "@daily", "--verify-cron", "@monthly", "-o", "json");
        assertThat(created.code()).as(created.toString()).isZero();
        assertThat(ServerProcess.json(created).path("next_verify_at").asText()).isNotEmpty();
        var run = server.cli("schedule", "run", "pg-nightly", "-o", "json");
        assertThat(run.code()).as(run.toString()).isZero();
        String backup = ServerProcess.json(run).path("last_backup_id").asText();
        JsonNode b = server.await("/api/v1/backups/" + backup, "backup", Set.of("available", "error"));
        assertThat(b.path("status").asText()).as(b.toString()).isEqualTo("available");
        assertThat(b.path("consistency").asText()).isEqualTo("application");
        assertThat(b.path("metadata").path("backup.coffer.io/schedule").asText()).isEqualTo("pg-nightly");
        var verify = server.cli("schedule", "verify", "pg-nightly", "-o", "json");
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(ServerProcess.json(verify).path("last_verify_outcome").asText()).startsWith("started verification").endsWith(backup);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        JsonNode v;
        do {
            Thread.sleep(200);
            v = server.get("/api/v1/backups/" + backup).path("backup").path("verification");
        } while (!Set.of("passed", "failed").contains(v.path("status").asText()) && System.nanoTime() < deadline);
        assertThat(v.path("status").asText()).as(v.toString()).isEqualTo("passed");
        assertThat(v.path("time_to_ready_ms").asLong()).isPositive();
        assertThat(server.call("GET", "/metrics", null).body().asText()).contains("coffer_verification_last_success_timestamp_seconds{volume=\"pgvol\"}");
        assertThat(server.cli("schedule", "delete", "pg-nightly").code()).isZero();
    }

    /** A single client that commits ids 1, 2, 3… one per transaction and counts the acknowledged ones. */
    static final class Writer implements AutoCloseable {
        final Endpoint ep;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;
        private volatile long acknowledged;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Map<Long, Long> times = new ConcurrentHashMap<>();

        Writer(Endpoint ep, String database) {
            this.ep = ep;
            thread = new Thread(() -> {
                String pad = "x".repeat(500);
                try (Connection c = ep.connect(database); var ps = c.prepareStatement("INSERT INTO ledger (id, pad) VALUES (?, ?)")) {
                    for (long id = 1; !stop.get(); id++) {
                        ps.setLong(1, id);
                        ps.setString(2, pad);
                        ps.executeUpdate();
                        acknowledged = id;
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "writer");
            thread.start();
        }

        long acknowledged() {
            return acknowledged;
        }

        void awaitCommits(long n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged < n && failure.get() == null && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(failure.get()).isNull();
            assertThat(acknowledged).isGreaterThanOrEqualTo(n);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    private Path volume(ServerProcess server, String name) throws Exception {
        var r = server.cli("volume", "create", name, "--size", "2GiB", "-o", "json");
        assertThat(r.code()).as(r.toString()).isZero();
        return Path.of(ServerProcess.json(r).path("path").asText());
    }

    static Path pgBin() throws IOException {
        try (var s = Files.list(Path.of("/usr/lib/postgresql"))) {
            return s.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("initdb"))).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    private static void stop(DbEngine e, long pid) {
        try {
            LocalRuntime.stop(e, pid, Duration.ofSeconds(60));
        } catch (IOException x) {
            throw new IllegalStateException(x);
        }
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        return out;
    }
}
