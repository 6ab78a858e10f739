package io.coffer.instance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Proves that a restored data directory is a working database: starts the engine on it (which
 * runs its recovery), then checks it. PostgreSQL: {@code pg_amcheck} over every database (heap
 * and B-tree structure; with data checksums every page it reads is checksummed too).
 * MariaDB/MySQL: {@code CHECK TABLE} on every table outside the system schemas. A caller's query
 * is run and its first value recorded (a row count, typically). The server is always stopped.
 */
public final class Verifier {
    /**
     * The verdict.
     *
     * @param facts what to record on the backup: each check's outcome, the query's value, times
     */
    public record Result(boolean passed, String summary, long timeToReadyMs, Map<String, String> facts) {}

    private Verifier() {}

    public static Result check(DbEngine engine, Path dataDir, Path runDir, String user, String password, String database, String query,
            Duration timeout) throws IOException {
        LocalRuntime.Running r = LocalRuntime.start(engine, dataDir, runDir, user, password, timeout);
        try {
            Endpoint ep = new Endpoint(engine, r.host(), r.port(), r.socketDir().toString(), user, password);
            Map<String, String> facts = new LinkedHashMap<>();
            facts.put("time_to_ready_ms", Long.toString(r.timeToReadyMs()));
            List<String> problems = new ArrayList<>();
            try (Connection c = ep.connect(database)) {
                if (engine.isPostgres()) postgres(c, ep, dataDir, facts, problems);
                else mysql(c, facts, problems);
                if (query != null && !query.isBlank()) {
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
                        facts.put("query_result", rs.next() ? String.valueOf(rs.getString(1)) : "(no rows)");
                    } catch (SQLException e) {
                        problems.add("the query failed: " + ConsistentCopy.message(e));
                    }
                }
            } catch (SQLException e) {
                problems.add("cannot connect to the restored " + engine.id() + " as " + user + ": " + ConsistentCopy.message(e));
            }
            String summary = problems.isEmpty() ? "passed: " + facts.getOrDefault("checks", "server started") : String.join("; ", problems);
            return new Result(problems.isEmpty(), summary, r.timeToReadyMs(), facts);
        } finally {
            LocalRuntime.stop(engine, r.pid(), Duration.ofSeconds(60));
        }
    }

    private static void postgres(Connection c, Endpoint ep, Path dataDir, Map<String, String> facts, List<String> problems) throws SQLException, IOException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW data_checksums")) {
            rs.next();
            facts.put("data_checksums", rs.getString(1));
        }
        Path amcheck = DbEngine.postgresBin(dataDir).resolve("pg_amcheck");
        List<String> cmd = List.of(amcheck.toString(), "--all", "--install-missing", "--no-password", "-h", ep.host(), "-p", Integer.toString(ep.port()),
                "-U", ep.user() == null ? "postgres" : ep.user());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (ep.password() != null) pb.environment().put("PGPASSWORD", ep.password());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(1, TimeUnit.HOURS)) {
                p.destroyForcibly();
                problems.add("pg_amcheck did not finish in an hour");
                return;
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted during pg_amcheck");
        }
        if (p.exitValue() == 0) {
            facts.put("checks", "pg_amcheck --all: no corruption");
        } else {
            String first = out.lines().limit(5).reduce((a, b) -> a + " | " + b).orElse("");
            problems.add("pg_amcheck found problems (exit " + p.exitValue() + "): " + first);
            facts.put("checks", "pg_amcheck --all: exit " + p.exitValue());
        }
    }

    private static void mysql(Connection c, Map<String, String> facts, List<String> problems) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                        + " AND table_schema NOT IN ('information_schema', 'performance_schema', 'sys') ORDER BY 1, 2")) {
            while (rs.next()) tables.add("`" + rs.getString(1).replace("`", "``") + "`.`" + rs.getString(2).replace("`", "``") + "`");
        }
        int bad = 0;
        for (String t : tables) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("CHECK TABLE " + t)) {
                String last = null;
                boolean error = false;
                while (rs.next()) {
                    String type = rs.getString("Msg_type");
                    last = rs.getString("Msg_text");
                    if ("error".equalsIgnoreCase(type)) error = true;
                }
                if (error || last == null || !(last.equalsIgnoreCase("OK") || last.contains("doesn't support check"))) {
                    bad++;
                    if (bad <= 3) problems.add("CHECK TABLE " + t + ": " + last);
                }
            }
        }
        facts.put("checks", "CHECK TABLE: " + (tables.size() - bad) + " of " + tables.size() + " tables OK");
        if (bad > 3) problems.add((bad - 3) + " more tables failed CHECK TABLE");
    }
}
