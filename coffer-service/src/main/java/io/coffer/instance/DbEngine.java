package io.coffer.instance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The database engines Coffer knows: how to name them, reach them and find their programs. */
public enum DbEngine {
    POSTGRESQL("postgresql", 5432),
    MYSQL("mysql", 3306),
    MARIADB("mariadb", 3306);

    private final String id;
    private final int defaultPort;

    DbEngine(String id, int defaultPort) {
        this.id = id;
        this.defaultPort = defaultPort;
    }

    public String id() {
        return id;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public boolean isPostgres() {
        return this == POSTGRESQL;
    }

    /** The engine called {@code name}; the message lists the known ones. */
    public static DbEngine parse(String name) {
        if (name != null) {
            for (DbEngine e : values()) {
                if (e.id.equals(name.toLowerCase(Locale.ROOT))) return e;
            }
        }
        throw new IllegalArgumentException("engine '" + name + "' is not supported: use postgresql, mysql or mariadb");
    }

    /**
     * The directory of the PostgreSQL server programs for the cluster in {@code dataDir} (its
     * {@code PG_VERSION} names the major version), or the newest installed when it has none.
     */
    static Path postgresBin(Path dataDir) throws IOException {
        String want = null;
        Path version = dataDir.resolve("PG_VERSION");
        if (Files.isRegularFile(version)) want = Files.readString(version).trim();
        Path root = Path.of(System.getProperty("coffer.postgresql.root", "/usr/lib/postgresql"));
        if (want != null) {
            Path bin = root.resolve(want).resolve("bin");
            if (Files.isExecutable(bin.resolve("postgres"))) return bin;
            throw new EngineMissingException("the data directory is of PostgreSQL " + want + ", whose server programs are not installed under "
                    + bin + " (apt-get install postgresql-" + want + ")");
        }
        List<Path> bins;
        try (Stream<Path> s = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
            bins = s.map(p -> p.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")))
                    .sorted(Comparator.comparing(b -> versionOf(b.getParent()))).toList();
        }
        if (bins.isEmpty()) throw new EngineMissingException("PostgreSQL server programs are not installed under " + root + " (apt-get install postgresql)");
        return bins.get(bins.size() - 1);
    }

    private static int versionOf(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Throws {@link EngineMissingException}, saying what to install, when this host cannot run {@code e}'s servers. */
    public static void requireInstalled(DbEngine e) {
        try {
            if (e.isPostgres()) postgresBin(Path.of("/nonexistent"));
            else mysqlServer(e);
        } catch (IOException x) {
            throw new EngineMissingException(x.getMessage());
        }
    }

    /** The MariaDB or MySQL server program. */
    static Path mysqlServer(DbEngine e) {
        String configured = System.getProperty("coffer.mysqld");
        List<String> names = configured != null ? List.of(configured)
                : e == MARIADB ? List.of("/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/bin/mariadbd")
                : List.of("/usr/sbin/mysqld", "/usr/sbin/mariadbd", "/usr/bin/mysqld");
        for (String n : names) {
            if (Files.isExecutable(Path.of(n))) return Path.of(n);
        }
        throw new EngineMissingException(e.id + " server program not found (looked for " + String.join(", ", names) + "; apt-get install mariadb-server)");
    }

    /** The engine's programs are not on this host. */
    public static final class EngineMissingException extends IllegalStateException {
        public EngineMissingException(String message) {
            super(message);
        }
    }
}
