package io.coffer.instance;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a database server on this host, on a data directory Coffer restored: PostgreSQL's
 * {@code postgres} or MariaDB's {@code mariadbd}, listening on 127.0.0.1 on a free port and on a
 * socket in its run directory, as the owner of the data directory (the servers refuse to run as
 * root), in a session of its own so that it outlives a restart of Coffer.
 *
 * <p>What could reach outside the copy is switched off: WAL archiving (the original's archive
 * command would write into the original's archive), binary logging and replication.
 */
public final class LocalRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRuntime.class);
    public static final String LOG_FILE = "server.log";

    /**
     * A started server.
     *
     * @param timeToReadyMs from the start of the process to the first connection accepted
     */
    public record Running(long pid, String host, int port, Path socketDir, Path log, long timeToReadyMs) {}

    private LocalRuntime() {}

    /**
     * Starts the engine on {@code dataDir} and waits until it accepts connections (recovery
     * included) or {@code timeout} passes; {@code runDir} receives the socket, the pid file and
     * the log. On failure the process is stopped and the message quotes the end of its log.
     */
    public static Running start(DbEngine engine, Path dataDir, Path runDir, String user, String password, Duration timeout) throws IOException {
        if (!Files.isDirectory(dataDir)) throw new IOException("the data directory " + dataDir + " does not exist");
        Files.createDirectories(runDir);
        UserPrincipal owner = Files.getOwner(dataDir);
        int uid = (Integer) Files.getAttribute(dataDir, "unix:uid");
        int gid = (Integer) Files.getAttribute(dataDir, "unix:gid");
        boolean root = isRoot();
        if (root) {
            Files.setOwner(runDir, owner);
            Files.setAttribute(runDir, "unix:gid", gid);
        }
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
        Path log = runDir.resolve(LOG_FILE);
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        if (engine.isPostgres()) {
            Path bin = DbEngine.postgresBin(dataDir);
            ensurePostgresConfig(dataDir, owner);
            if (root && uid == 0) throw new IOException("the data directory " + dataDir + " belongs to root; PostgreSQL does not run as root");
            if (root) cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
            cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dataDir.toString(), "-p", Integer.toString(port), "-k", runDir.toString(),
                    "-c", "listen_addresses=127.0.0.1", "-c", "archive_mode=off", "-c", "logging_collector=off",
                    "-c", "external_pid_file=" + runDir.resolve("postgres.pid")));
        } else {
            Path server = DbEngine.mysqlServer(engine);
            cmd.addAll(List.of(server.toString(), "--no-defaults", "--datadir=" + dataDir, "--port=" + port, "--bind-address=127.0.0.1",
                    "--socket=" + runDir.resolve("mysqld.sock"), "--pid-file=" + runDir.resolve("mysqld.pid"), "--log-error=" + log,
                    "--skip-log-bin", "--skip-slave-start"));
            if (root) cmd.add("--user=" + owner.getName());
        }
        LOG.info("starting {} on {} (port {})", engine.id(), dataDir, port);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IOException("cannot start " + cmd.get(cmd.size() > 1 ? 1 : 0) + ": " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        Endpoint ep = new Endpoint(engine, "127.0.0.1", port, runDir.toString(), user, password);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!p.isAlive()) throw new IOException(engine.id() + " did not start on " + dataDir + " (exit " + p.exitValue() + "): " + tail(log));
            if (accepts(ep)) break;
            if (System.nanoTime() > deadline) {
                stop(engine, p.pid(), Duration.ofSeconds(30));
                throw new IOException(engine.id() + " on " + dataDir + " did not accept connections within " + timeout.toSeconds() + " s: " + tail(log));
            }
            sleep(100);
        }
        long ready = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("{} on {} ready in {} ms (pid {}, port {})", engine.id(), dataDir, ready, p.pid(), port);
        return new Running(p.pid(), "127.0.0.1", port, runDir, log, ready);
    }

    /** Stops a server started here: PostgreSQL's fast shutdown (SIGINT), MariaDB's SIGTERM; SIGKILL after {@code timeout}. */
    public static void stop(DbEngine engine, long pid, Duration timeout) throws IOException {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) return;
        String signal = engine.isPostgres() ? "-INT" : "-TERM";
        try {
            new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start().waitFor();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (h.get().isAlive() && System.nanoTime() < deadline) sleep(100);
            if (h.get().isAlive()) {
                LOG.warn("{} (pid {}) did not stop within {} s; killing it", engine.id(), pid, timeout.toSeconds());
                h.get().destroyForcibly();
                h.get().onExit().get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping " + engine.id() + " (pid " + pid + ")");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** True when a server answers at {@code ep}, even if it refuses the credentials. */
    static boolean accepts(Endpoint ep) {
        try (Connection c = ep.connect(null)) {
            return true;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            // PostgreSQL: 28xxx authentication failed, 3D000 no such database; MariaDB: 28000 / 1045 access denied
            return state.startsWith("28") || state.equals("3D000") || e.getErrorCode() == 1045;
        }
    }

    /**
     * A data directory whose configuration lives elsewhere (Debian keeps it in /etc/postgresql)
     * gets a minimal one: local connections by peer, 127.0.0.1 by password.
     */
    static void ensurePostgresConfig(Path dataDir, UserPrincipal owner) throws IOException {
        writeIfMissing(dataDir.resolve("postgresql.conf"), "# written by Coffer: this data directory had no configuration of its own\n", owner);
        writeIfMissing(dataDir.resolve("pg_hba.conf"), "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n", owner);
        writeIfMissing(dataDir.resolve("pg_ident.conf"), "", owner);
    }

    private static void writeIfMissing(Path f, String text, UserPrincipal owner) throws IOException {
        if (Files.exists(f)) return;
        ConsistentCopy.writeDurably(f, text, owner);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    /** The last lines of a server's log, for an error message. */
    static String tail(Path log) {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 6), lines.size())).trim();
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static void sleep(long ms) throws InterruptedIOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
