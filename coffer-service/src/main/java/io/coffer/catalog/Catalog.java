package io.coffer.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;

/**
 * The catalog database. One connection, used under a lock: catalog writes are small and rare
 * next to the work they describe, and SQLite serialises writers anyway. A broken connection
 * (a PostgreSQL restart) is reopened on the next call.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=FULL}: a committed state change survives
 * a power cut, which the reconciler relies on.
 *
 * <p>Many nodes may share one PostgreSQL catalog. {@link #writeLock} serialises the
 * read-check-write sequences of every node (a PostgreSQL advisory lock held on a connection of
 * its own); each node claims its own queued jobs with {@link #claimQueuedJobs} ({@code FOR UPDATE
 * SKIP LOCKED}).
 */
public final class Catalog implements AutoCloseable {
    /** A unit of work run inside one transaction. */
    public interface Work<R> {
        R run() throws Exception;
    }

    private final String url;
    private final String user;
    private final String password;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection conn;
    /** Held by the one thread of this process in a write sequence; on PostgreSQL, with the advisory lock. */
    private final ReentrantLock writers = new ReentrantLock(true);
    private Connection lockConn;
    /** The advisory lock's key: "Coffer" in ASCII. */
    private static final long WRITE_LOCK_KEY = 0x436f66666572L;

    private Catalog(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Opens the catalog at a JDBC URL ({@code jdbc:sqlite:FILE} or {@code jdbc:postgresql://…}) and migrates its schema. */
    public static Catalog open(String url, String user, String password) {
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("catalog URL " + url + " is not supported: use jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB");
        }
        Catalog c = new Catalog(url, user, password);
        try {
            Flyway.configure(Catalog.class.getClassLoader())
                    .dataSource(url, user, password)
                    .locations("classpath:db/migration")
                    .mixed(true)
                    .load()
                    .migrate();
            c.connection();
        } catch (RuntimeException e) {
            throw new CatalogException("cannot open the catalog at " + c.describe() + ": " + rootMessage(e), e);
        }
        return c;
    }

    /** The URL without credentials, for logs and messages. */
    public String describe() {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    public boolean isSqlite() {
        return url.startsWith("jdbc:sqlite:");
    }

    // ---- typed operations ----

    public void insert(Volume v) { put(Table.VOLUMES, v, true); }
    public void insert(Snapshot s) { put(Table.SNAPSHOTS, s, true); }
    public void insert(Backup b) { put(Table.BACKUPS, b, true); }
    public void insert(Job j) { put(Table.JOBS, j, true); }
    public void update(Volume v) { put(Table.VOLUMES, v, false); }
    public void update(Snapshot s) { put(Table.SNAPSHOTS, s, false); }
    public void update(Backup b) { put(Table.BACKUPS, b, false); }
    public void update(Job j) { put(Table.JOBS, j, false); }

    /**
     * Records a running job's progress, in one statement that changes the row only while it is
     * still {@code running} in the catalog: a progress sample read just before the job finished
     * must not write {@code running} over its outcome. False when the job is not running any more.
     */
    public boolean updateWhileRunning(Job j) {
        if (j.status() != Job.Status.RUNNING) throw new IllegalArgumentException("job " + j.id() + " is " + j.status() + ", not running");
        return update(Table.JOBS, j, " AND status = '" + Job.Status.RUNNING.id + "'") == 1;
    }

    /** Writes {@code j} only while its row is still {@code expected}; false when it is not any more. */
    public boolean update(Job j, Job.Status expected) {
        return update(Table.JOBS, j, " AND status = '" + expected.id + "'") == 1;
    }
    public void insert(Instance i) { put(Table.INSTANCES, i, true); }
    public void update(Instance i) { put(Table.INSTANCES, i, false); }
    public void deleteInstance(String id) { delete(Table.INSTANCES, id); }
    public void deleteVolume(String id) { delete(Table.VOLUMES, id); }
    public void deleteSnapshot(String id) { delete(Table.SNAPSHOTS, id); }
    public void deleteBackup(String id) { delete(Table.BACKUPS, id); }

    public Optional<Volume> volume(String id) { return one(Table.VOLUMES, "id = ?", id); }
    public Optional<Volume> volumeNamed(String name) { return one(Table.VOLUMES, "name = ?", name); }
    public List<Volume> volumes() { return query(Table.VOLUMES, null); }

    public Optional<Snapshot> snapshot(String id) { return one(Table.SNAPSHOTS, "id = ?", id); }
    public List<Snapshot> snapshots() { return query(Table.SNAPSHOTS, null); }
    public List<Snapshot> snapshotsNamed(String name) { return query(Table.SNAPSHOTS, "name = ?", name); }
    public List<Snapshot> snapshotsOf(String volumeId) { return query(Table.SNAPSHOTS, "volume_id = ?", volumeId); }

    public Optional<Backup> backup(String id) { return one(Table.BACKUPS, "id = ?", id); }
    public List<Backup> backups() { return query(Table.BACKUPS, null); }
    public List<Backup> backupsNamed(String name) { return query(Table.BACKUPS, "name = ?", name); }
    public List<Backup> backupsOf(String volumeId) { return query(Table.BACKUPS, "volume_id = ?", volumeId); }
    public List<Backup> childrenOf(String backupId) { return query(Table.BACKUPS, "parent_id = ?", backupId); }
    /** Backups whose {@code expires_at} is at or before {@code now} (ISO-8601 UTC strings sort as times). */
    public List<Backup> expiredBackups(java.time.Instant now) { return query(Table.BACKUPS, "expires_at IS NOT NULL AND expires_at <= ?", Table.time(now)); }

    public List<Backup> backupsOfInstance(String instanceId) { return query(Table.BACKUPS, "instance_id = ?", instanceId); }

    public Optional<Instance> instance(String id) { return one(Table.INSTANCES, "id = ?", id); }
    public Optional<Instance> instanceNamed(String name) { return one(Table.INSTANCES, "name = ?", name); }
    public List<Instance> instances() { return query(Table.INSTANCES, null); }

    public void insert(Schedule s) { put(Table.SCHEDULES, s, true); }
    public void update(Schedule s) { put(Table.SCHEDULES, s, false); }
    public void deleteSchedule(String id) { delete(Table.SCHEDULES, id); }
    public Optional<Schedule> schedule(String id) { return one(Table.SCHEDULES, "id = ?", id); }
    public Optional<Schedule> scheduleNamed(String name) { return one(Table.SCHEDULES, "name = ?", name); }
    public List<Schedule> schedules() { return query(Table.SCHEDULES, null); }

    public void insert(UsageSample u) { put(Table.USAGE, u, true); }
    /** Usage samples taken at or after {@code since}, oldest first. */
    public List<UsageSample> usageSince(java.time.Instant since) { return query(Table.USAGE, "taken_at >= ?", Table.time(since)); }

    public Optional<Job> job(String id) { return one(Table.JOBS, "id = ?", id); }
    public List<Job> jobs() { return query(Table.JOBS, null); }
    public List<Job> jobsFor(String resourceId) { return query(Table.JOBS, "resource_id = ?", resourceId); }
    public List<Job> unfinishedJobsOf(String node) { return query(Table.JOBS, "status IN ('queued', 'running') AND node_id = ?", node); }

    /**
     * Claims up to {@code limit} of the oldest queued jobs of {@code node}: each becomes
     * {@code running} (started at {@code now}) in one transaction, and is returned so. On
     * PostgreSQL the rows are picked {@code FOR UPDATE SKIP LOCKED}: two claimers never wait on
     * each other nor take the same job.
     */
    public List<Job> claimQueuedJobs(String node, int limit, java.time.Instant now) {
        if (limit <= 0) return List.of();
        String pick = "SELECT " + String.join(", ", Table.JOBS.columns) + " FROM jobs WHERE status = 'queued' AND node_id = ? ORDER BY created_at, id LIMIT ?"
                + (isSqlite() ? "" : " FOR UPDATE SKIP LOCKED");
        Work<List<Job>> claim = () -> {
            List<Job> picked = new ArrayList<>();
            lock.lock();
            try (PreparedStatement ps = connection().prepareStatement(pick)) {
                bind(ps, new Object[] {node, limit});
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) picked.add(Table.JOBS.read(rs));
                }
            } finally {
                lock.unlock();
            }
            List<Job> claimed = new ArrayList<>();
            for (Job j : picked) {
                Job started = j.started(now);
                // conditional: whoever else saw it queued (SQLite: one node, no row locks) claims nothing
                if (update(Table.JOBS, started, " AND status = '" + Job.Status.QUEUED.id + "'") == 1) claimed.add(started);
            }
            return claimed;
        };
        if (isSqlite()) {
            // a read that turns into a write inside one SQLite transaction fails when another
            // connection wrote in between: the conditional updates alone make each claim single
            try {
                return claim.run();
            } catch (SQLException e) {
                throw new CatalogException("catalog claim of queued jobs failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CatalogException("catalog claim of queued jobs failed: " + e.getMessage(), e);
            }
        }
        return inTransaction(claim);
    }

    /**
     * Gives the volumes and unfinished jobs that name no node (rows of a catalog from before
     * nodes) to {@code node}; the count of rows adopted.
     */
    public int adoptUnowned(String node) {
        return inTransaction(() -> execute("adoption of volumes", "UPDATE volumes SET node_id = ? WHERE node_id IS NULL", node)
                + execute("adoption of jobs", "UPDATE jobs SET node_id = ? WHERE node_id IS NULL AND status IN ('queued', 'running')", node));
    }

    /** A held {@link #writeLock}. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes the catalog's write lock, shared by every node of a PostgreSQL catalog: a sequence of
     * reads, checks and writes done under it sees no other node's (nor thread's) writes in between.
     * Reentrant. Take it before {@link #inTransaction}, never inside one.
     */
    public Held writeLock() {
        if (lock.isHeldByCurrentThread() && !writers.isHeldByCurrentThread()) {
            throw new IllegalStateException("the catalog's write lock is taken inside a transaction: take it first");
        }
        writers.lock();
        if (writers.getHoldCount() == 1 && !isSqlite()) {
            try {
                advisory("SELECT pg_advisory_lock(" + WRITE_LOCK_KEY + ")");
            } catch (RuntimeException e) {
                writers.unlock();
                throw e;
            }
        }
        return () -> {
            try {
                if (writers.getHoldCount() == 1 && !isSqlite()) advisory("SELECT pg_advisory_unlock(" + WRITE_LOCK_KEY + ")");
            } finally {
                writers.unlock();
            }
        };
    }

    private void advisory(String sql) {
        for (int attempt = 0; ; attempt++) {
            try {
                if (lockConn == null || lockConn.isClosed()) lockConn = DriverManager.getConnection(url, user, password);
                try (Statement st = lockConn.createStatement()) {
                    st.execute(sql);
                }
                return;
            } catch (SQLException e) {
                // a broken session has lost the lock with it: a new one takes it again
                try {
                    if (lockConn != null) lockConn.close();
                } catch (SQLException ignored) {
                    // already broken
                }
                lockConn = null;
                if (attempt > 0 || sql.contains("unlock")) {
                    if (sql.contains("unlock")) return; // the lock went with the session
                    throw new CatalogException("cannot take the catalog's write lock at " + describe() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Runs {@code work} in one transaction: all its writes commit together or not at all. */
    public <R> R inTransaction(Work<R> work) {
        lock.lock();
        try {
            Connection c = connection();
            boolean outer = c.getAutoCommit();
            if (!outer) return work.run(); // nested: the outer transaction commits
            c.setAutoCommit(false);
            try {
                R r = work.run();
                c.commit();
                return r;
            } catch (Throwable t) {
                c.rollback();
                throw t;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new CatalogException("catalog transaction failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (conn != null) conn.close();
            if (lockConn != null) lockConn.close();
        } catch (SQLException ignored) {
            // closing: nothing to save
        } finally {
            conn = null;
            lockConn = null;
            lock.unlock();
        }
    }

    // ---- generic core ----

    private <T> void put(Table<T> t, T row, boolean insert) {
        if (!insert) {
            if (update(t, row, "") != 1) throw new CatalogException(t.name + " " + t.id(row) + " is not in the catalog", null);
            return;
        }
        List<String> cols = t.columns;
        String sql = "INSERT INTO " + t.name + " (" + String.join(", ", cols) + ") VALUES ("
                + String.join(", ", Collections.nCopies(cols.size(), "?")) + ")";
        execute("insert into " + t.name + " " + t.id(row), sql, t.values(row));
    }

    /** Writes every column of {@code row} but its id where the id matches and {@code condition} (SQL, may be empty) holds; rows changed. */
    private <T> int update(Table<T> t, T row, String condition) {
        List<String> cols = t.columns;
        String sql = "UPDATE " + t.name + " SET " + cols.subList(1, cols.size()).stream().map(c -> c + " = ?").collect(Collectors.joining(", "))
                + " WHERE id = ?" + condition;
        Object[] v = t.values(row);
        Object[] args = new Object[v.length];
        System.arraycopy(v, 1, args, 0, v.length - 1);
        args[v.length - 1] = v[0];
        return execute("update of " + t.name + " " + t.id(row), sql, args);
    }

    private void delete(Table<?> t, String id) {
        execute("delete from " + t.name + " " + id, "DELETE FROM " + t.name + " WHERE id = ?", id);
    }

    private int execute(String what, String sql, Object... args) {
        lock.lock();
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            dropIfBroken();
            throw new CatalogException("catalog " + what + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private <T> Optional<T> one(Table<T> t, String where, Object... args) {
        List<T> r = query(t, where, args);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    private <T> List<T> query(Table<T> t, String where, Object... args) {
        String sql = "SELECT " + String.join(", ", t.columns) + " FROM " + t.name + (where == null ? "" : " WHERE " + where)
                + " ORDER BY " + t.order();
        lock.lock();
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            bind(ps, args);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(t.read(rs));
            }
            return out;
        } catch (SQLException e) {
            dropIfBroken();
            throw new CatalogException("catalog query of " + t.name + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) ps.setNull(i + 1, java.sql.Types.NULL);
            else if (a instanceof Long l) ps.setLong(i + 1, l);
            else if (a instanceof Integer n) ps.setInt(i + 1, n);
            else ps.setString(i + 1, a.toString());
        }
    }

    private Connection connection() {
        try {
            if (conn == null || conn.isClosed()) {
                conn = DriverManager.getConnection(url, user, password);
                if (isSqlite()) {
                    try (Statement st = conn.createStatement()) {
                        st.execute("PRAGMA journal_mode=WAL");
                        st.execute("PRAGMA synchronous=FULL");
                        st.execute("PRAGMA busy_timeout=10000");
                    }
                }
            }
            return conn;
        } catch (SQLException e) {
            conn = null;
            throw new CatalogException("cannot connect to the catalog at " + describe() + ": " + e.getMessage(), e);
        }
    }

    private void dropIfBroken() {
        try {
            if (conn != null && !conn.isValid(2)) {
                conn.close();
                conn = null;
            }
        } catch (SQLException e) {
            conn = null;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
