package io.coffer.instance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * How to reach a database server: TCP ({@code host}, {@code port}) or, for PostgreSQL, the
 * Unix-domain socket in {@code socketDir}. The password is held only in memory.
 */
public record Endpoint(DbEngine engine, String host, int port, String socketDir, String user, String password) {
    private static final int CONNECT_TIMEOUT_S = 10;

    @Override
    public String toString() { // never the password
        return describe();
    }

    /** Where the server is, for messages: "127.0.0.1:5432" or "socket /run/postgresql/.s.PGSQL.5432". */
    public String describe() {
        return host != null ? host + ":" + port : "socket " + socketPath();
    }

    String socketPath() {
        if (socketDir == null) return null;
        return engine.isPostgres() ? socketDir + "/.s.PGSQL." + port : socketDir + "/mysqld.sock";
    }

    /** Opens a session (auto-commit on). */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        if (user != null) p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        String url;
        if (engine.isPostgres()) {
            p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
            p.setProperty("ApplicationName", "coffer");
            String db = URLEncoder.encode(database == null ? "postgres" : database, StandardCharsets.UTF_8);
            if (host != null) {
                url = "jdbc:postgresql://" + hostPart() + ":" + port + "/" + db;
            } else {
                url = "jdbc:postgresql://localhost:" + port + "/" + db;
                p.setProperty("socketFactory", UnixSocketFactory.class.getName());
                p.setProperty("socketFactoryArg", socketPath());
                p.setProperty("sslmode", "disable");
            }
        } else {
            if (host == null) {
                throw new SQLException(engine.id() + " instances are reached over TCP: register the instance with --host and --port");
            }
            p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S * 1000));
            url = "jdbc:mariadb://" + hostPart() + ":" + port + "/" + (database == null ? "" : database);
        }
        return DriverManager.getConnection(url, p);
    }

    private String hostPart() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
