package io.coffer.instance;

import io.coffer.volume.Reflinks;
import io.coffer.volume.Trees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application-consistent copy of a live database's volume, made while the database is told
 * that a backup is under way, in one session that lives for the whole copy. The copy clones
 * extents where the filesystem can (XFS with reflink, btrfs: milliseconds) and copies bytes
 * elsewhere.
 *
 * <p><b>PostgreSQL</b> (what {@code pg_basebackup} does, by hand): a temporary physical
 * replication slot keeps the WAL from being recycled; {@code pg_backup_start(label, fast)} makes
 * a checkpoint and starts backup mode; the volume is copied; {@code pg_backup_stop()} ends it
 * and returns the backup label; then {@code pg_wal} is copied again, so that the copy holds all
 * WAL up to the end of the backup, and the label is written into the copy. Writes never pause.
 * A server started on the copy replays WAL from the label's checkpoint to the backup's end (at
 * least) and is consistent.
 *
 * <p><b>MariaDB/MySQL</b>: {@code FLUSH TABLES WITH READ LOCK} (writes and commits wait, DDL
 * waits, non-transactional tables are flushed); on MariaDB {@code innodb_log_checkpoint_now}
 * then writes every dirty page back and moves the checkpoint to the current LSN; the volume is
 * copied, the InnoDB redo log last; {@code UNLOCK TABLES}. Writes pause for the whole copy, which
 * is why a cloning filesystem matters here. InnoDB's crash recovery on the copy starts from a
 * checkpoint no older than the lock.
 *
 * <p>Any failure ends the session, which ends backup mode or releases the lock: nothing stays
 * locked, and the database keeps running.
 */
public final class ConsistentCopy {
    private static final Logger LOG = LoggerFactory.getLogger(ConsistentCopy.class);
    /** How long FLUSH TABLES WITH READ LOCK may wait for running statements before the backup gives up. */
    static final int LOCK_WAIT_TIMEOUT_S = Integer.getInteger("coffer.quiesce.lock_wait_timeout", 60);

    /**
     * What the quiesce did.
     *
     * @param method how the database was quiesced
     * @param windowMs how long it was in backup mode or locked
     * @param writePauseMs how long writes waited (0 for PostgreSQL)
     * @param facts further details to record on the backup (positions, versions)
     */
    public record Report(String method, long windowMs, long writePauseMs, Map<String, String> facts) {}

    /** The database could not be quiesced: the backup must not go on. */
    public static final class QuiesceException extends IOException {
        QuiesceException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private ConsistentCopy() {}

    /**
     * Copies the volume at {@code volume} (whose data directory is {@code dataSubdir} in it) to
     * {@code dst}, which must not exist, with the database at {@code endpoint} quiesced.
     */
    public static Report make(Endpoint endpoint, Path volume, String dataSubdir, Path dst, String label) throws IOException {
        Path dataDir = dataSubdir.isEmpty() ? volume : volume.resolve(dataSubdir);
        if (!Files.isDirectory(dataDir)) throw new IOException("the data directory " + dataDir + " does not exist");
        Connection c;
        try {
            c = endpoint.connect(null);
        } catch (SQLException e) {
            throw new QuiesceException("cannot connect to " + endpoint.engine().id() + " at " + endpoint.describe() + ": " + message(e), e);
        }
        try (c) {
            return endpoint.engine().isPostgres()
                    ? postgres(c, volume, dataSubdir, dst, label)
                    : mysql(c, endpoint.engine(), volume, dataSubdir, dst);
        } catch (SQLException e) {
            throw new QuiesceException("quiesce of " + endpoint.engine().id() + " at " + endpoint.describe() + " failed: " + message(e), e);
        }
    }

    /**
     * A crash-consistent copy: every process of the server is stopped (SIGSTOP, the postmaster or
     * mysqld first so that nothing new is forked) for the copy and continued afterwards, so the
     * copy is what a power cut at that instant would leave on disk. The server must run on this
     * host; its pid file names it. The stale pid file is left out of the copy.
     *
     * <p>The stopped pids are written to {@code ledger} (on disk) before the first is stopped and
     * the file is removed after all are continued: if Coffer dies between, its restart finds the
     * ledger and continues them ({@link #continueStopped}).
     */
    public static Report crash(Endpoint endpoint, Path volume, String dataSubdir, Path dst, Path ledger) throws IOException {
        DbEngine engine = endpoint.engine();
        Path dataDir = dataSubdir.isEmpty() ? volume : volume.resolve(dataSubdir);
        long pid = serverPid(endpoint, dataDir);
        ProcessHandle server = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new QuiesceException("the " + engine.id() + " server named in its pid file (pid " + pid + ") is not running on this host", null));
        List<Long> stopped = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        try {
            List<Long> children = server.descendants().map(ProcessHandle::pid).toList();
            List<Long> all = new java.util.ArrayList<>(List.of(pid));
            all.addAll(children);
            writeDurably(ledger, String.join("\n", all.stream().map(String::valueOf).toList()) + "\n", Files.getOwner(ledger.getParent()));
            signal("-STOP", List.of(pid));
            stopped.add(pid);
            // children forked between the listing and the stop are stopped too
            List<Long> now = server.descendants().map(ProcessHandle::pid).toList();
            if (!now.isEmpty()) {
                writeDurably(ledger, String.join("\n", java.util.stream.Stream.concat(all.stream(), now.stream()).map(String::valueOf).toList()) + "\n",
                        Files.getOwner(ledger.getParent()));
                signal("-STOP", now);
            }
            stopped.addAll(now);
            Reflinks.copyVolume(volume, dst, false);
        } finally {
            if (!stopped.isEmpty()) signal("-CONT", stopped);
            Files.deleteIfExists(ledger);
        }
        long window = (System.nanoTime() - t0) / 1_000_000;
        Path copy = dataSubdir.isEmpty() ? dst : dst.resolve(dataSubdir);
        Files.deleteIfExists(copy.resolve("postmaster.pid"));
        dropPidsAndSockets(copy);
        LOG.info("{} (pid {} and {} children) stopped for a crash-consistent copy of {} ms", engine.id(), pid, stopped.size() - 1, window);
        return new Report("sigstop", window, window, Map.of("processes_stopped", Integer.toString(stopped.size())));
    }

    /** Continues the processes a ledger of {@link #crash} names (after a stop of Coffer during the copy); returns how many. */
    public static int continueStopped(Path ledger) throws IOException {
        if (!Files.isRegularFile(ledger)) return 0;
        List<Long> pids = Files.readAllLines(ledger).stream().map(String::trim).filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
        if (!pids.isEmpty()) signal("-CONT", pids);
        Files.delete(ledger);
        return pids.size();
    }

    /** The server's pid from its pid file: PostgreSQL's postmaster.pid, MariaDB's *.pid in the data directory or where @@pid_file says. */
    private static long serverPid(Endpoint endpoint, Path dataDir) throws IOException {
        DbEngine engine = endpoint.engine();
        List<Path> candidates = new java.util.ArrayList<>();
        if (engine.isPostgres()) {
            candidates.add(dataDir.resolve("postmaster.pid"));
        } else {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir, "*.pid")) {
                ds.forEach(candidates::add);
            }
            if (candidates.isEmpty()) {
                try (Connection c = endpoint.connect(null); Statement st = c.createStatement()) {
                    candidates.add(dataDir.resolve(single(st, "SELECT @@pid_file")));
                } catch (SQLException e) {
                    throw new QuiesceException("no pid file in " + dataDir + ", and " + engine.id() + " at " + endpoint.describe()
                            + " cannot be asked where it is: " + message(e), e);
                }
            }
        }
        for (Path f : candidates) {
            if (!Files.isRegularFile(f)) continue;
            String first = Files.readAllLines(f).stream().findFirst().orElse("").trim();
            try {
                return Long.parseLong(first);
            } catch (NumberFormatException ignored) {
                // not a pid file after all
            }
        }
        throw new QuiesceException("no pid file of a running " + engine.id() + " server in " + dataDir
                + "; a crash-consistent copy stops the server's processes, which must run on this host", null);
    }

    private static void signal(String sig, List<Long> pids) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("kill", sig));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 && sig.equals("-STOP")) throw new IOException("kill " + sig + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while signalling the database server");
        }
    }

    private static void dropPidsAndSockets(Path copy) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(copy)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.endsWith(".pid") || n.endsWith(".sock")
                        || Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    // ---- PostgreSQL ----

    private static Report postgres(Connection c, Path volume, String sub, Path dst, String label) throws SQLException, IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        Path dataDir = sub.isEmpty() ? volume : volume.resolve(sub);
        int version;
        try (Statement st = c.createStatement()) {
            version = Integer.parseInt(single(st, "SHOW server_version_num"));
            facts.put("engine_version", single(st, "SHOW server_version"));
            String live = single(st, "SHOW data_directory");
            if (!samePlace(Path.of(live), dataDir) && !runsOn(st, live, dataDir)) {
                throw new SQLException("the server's data directory is " + live + ", not " + dataDir + " on the instance's volume; check the instance's volume and --data-subdir");
            }
            if (hasTablespaces(dataDir)) throw new SQLException("tablespaces outside the data directory are not supported (pg_tblspc is not empty)");
            String slot = "coffer_" + label.replaceAll("[^a-z0-9_]", "_");
            if (slot.length() > 63) slot = slot.substring(0, 63);
            try {
                st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true, true)");
                facts.put("wal_slot", slot);
            } catch (SQLException e) {
                // Without a slot the WAL since the start is kept only as long as max_wal_size allows:
                // fine for a copy that takes less than a checkpoint interval, and checked on verify.
                facts.put("wal_slot", "none: " + message(e));
                LOG.warn("no temporary replication slot for the backup ({}); WAL is kept as configured", message(e));
            }
        }
        long t0 = System.nanoTime();
        String startLsn;
        try (Statement st = c.createStatement()) {
            String start = version >= 150000 ? "SELECT pg_backup_start('" + label + "', true)" : "SELECT pg_start_backup('" + label + "', true, false)";
            startLsn = single(st, start);
        }
        facts.put("start_lsn", startLsn);
        int vanished = Reflinks.copyVolume(volume, dst, true);
        if (vanished > 0) facts.put("files_vanished", Integer.toString(vanished));
        String stopLsn;
        String labelFile;
        String spcMap;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(version >= 150000
                        ? "SELECT lsn, labelfile, spcmapfile FROM pg_backup_stop(false)"
                        : "SELECT lsn, labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
            rs.next();
            stopLsn = rs.getString(1);
            labelFile = rs.getString(2);
            spcMap = rs.getString(3);
        }
        long window = (System.nanoTime() - t0) / 1_000_000;
        facts.put("stop_lsn", stopLsn);
        Path copy = sub.isEmpty() ? dst : dst.resolve(sub);
        // All WAL up to the backup's end: pg_wal again, now that pg_backup_stop has written it.
        Path walCopy = copy.resolve("pg_wal");
        Trees.deleteRecursively(walCopy);
        // segments being created or recycled meanwhile may vanish: none of them is needed up to the stop LSN
        Reflinks.copyLiveTree(dataDir.resolve("pg_wal").toRealPath(), walCopy);
        for (String gone : List.of("postmaster.pid", "postmaster.opts", "backup_label.old", "tablespace_map.old", "recovery.signal", "standby.signal")) {
            Files.deleteIfExists(copy.resolve(gone));
        }
        for (String dir : List.of("pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans")) {
            emptyDirectory(copy.resolve(dir));
        }
        var owner = Files.getOwner(copy);
        writeDurably(copy.resolve("backup_label"), labelFile, owner);
        if (spcMap != null && !spcMap.isEmpty()) writeDurably(copy.resolve("tablespace_map"), spcMap, owner);
        String method = version >= 150000 ? "pg_backup_start" : "pg_start_backup";
        LOG.info("PostgreSQL copy in backup mode from {} to {} took {} ms", startLsn, stopLsn, window);
        return new Report(method, window, 0, facts);
    }

    private static boolean hasTablespaces(Path dataDir) throws IOException {
        Path t = dataDir.resolve("pg_tblspc");
        if (!Files.isDirectory(t)) return false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(t)) {
            return ds.iterator().hasNext();
        }
    }

    // ---- MariaDB / MySQL ----

    private static Report mysql(Connection c, DbEngine engine, Path volume, String sub, Path dst) throws SQLException, IOException {
        Map<String, String> facts = new LinkedHashMap<>();
        Path dataDir = sub.isEmpty() ? volume : volume.resolve(sub);
        boolean mariadb;
        try (Statement st = c.createStatement()) {
            String version = single(st, "SELECT VERSION()");
            facts.put("engine_version", version);
            mariadb = version.toLowerCase(java.util.Locale.ROOT).contains("mariadb");
            String live = single(st, "SELECT @@datadir");
            if (!samePlace(Path.of(live), dataDir)) {
                throw new SQLException("the server's data directory is " + live + ", not " + dataDir + " on the instance's volume; check the instance's volume and --data-subdir");
            }
            st.execute("SET SESSION lock_wait_timeout = " + LOCK_WAIT_TIMEOUT_S);
        }
        long t0 = System.nanoTime();
        try (Statement st = c.createStatement()) {
            st.execute("FLUSH TABLES WITH READ LOCK");
            try {
                if (mariadb) {
                    st.execute("SET GLOBAL innodb_log_checkpoint_now = ON");
                    facts.put("checkpoint", "innodb_log_checkpoint_now");
                }
                try (ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
                    if (rs.next()) facts.put("binlog_position", rs.getString(1) + ":" + rs.getLong(2));
                }
                Reflinks.copyVolume(volume, dst, false);
                // The redo log last: it then holds every change the copied pages carry.
                Path copy = sub.isEmpty() ? dst : dst.resolve(sub);
                for (Path log : redoLogs(dataDir)) Reflinks.copyTree(log, copy.resolve(log.getFileName().toString()));
            } finally {
                st.execute("UNLOCK TABLES");
            }
        }
        long window = (System.nanoTime() - t0) / 1_000_000;
        dropPidsAndSockets(sub.isEmpty() ? dst : dst.resolve(sub));
        LOG.info("{} copy under FLUSH TABLES WITH READ LOCK took {} ms", engine.id(), window);
        return new Report("flush_tables_with_read_lock", window, window, facts);
    }

    private static List<Path> redoLogs(Path dataDir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dataDir, "ib_logfile*")) {
            List<Path> out = new java.util.ArrayList<>();
            ds.forEach(out::add);
            return out;
        }
    }

    // ---- helpers ----

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) throw new SQLException(sql + " returned no row");
            return rs.getString(1);
        }
    }

    /**
     * True when the server behind {@code st} is the one whose postmaster.pid is in {@code dataDir},
     * though it names its data directory otherwise: a volume a container or a bind mount shows at
     * another path (a Kubernetes pod's /var/lib/postgresql/data). The file records the data
     * directory as the server sees it and the postmaster's start time, which both must match.
     */
    private static boolean runsOn(Statement st, String live, Path dataDir) throws SQLException {
        List<String> pid;
        try {
            pid = Files.readAllLines(dataDir.resolve("postmaster.pid"));
        } catch (IOException e) {
            return false;
        }
        if (pid.size() < 3 || !pid.get(1).trim().equals(live)) return false;
        String started = single(st, "SELECT floor(extract(epoch FROM pg_postmaster_start_time()))::bigint"); // the file has whole seconds
        return pid.get(2).trim().equals(started);
    }

    private static boolean samePlace(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return a.normalize().equals(b.normalize());
        }
    }

    private static void emptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) Trees.deleteRecursively(p);
        }
    }

    /** Writes a file read by the database server: its data directory's owner's, mode 0600, on disk before this returns. */
    static void writeDurably(Path file, String text, java.nio.file.attribute.UserPrincipal owner) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        if (!Files.getOwner(file).equals(owner)) Files.setOwner(file, owner);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        Throwable cause = e.getCause();
        if ((m == null || m.isBlank()) && cause != null) return message(cause);
        return m == null ? e.toString() : m.lines().findFirst().orElse(m).trim();
    }
}
