package io.coffer.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the database tooling that need no database server. */
class InstanceToolsTest {
    @TempDir
    Path tmp;

    @Test
    void enginesAreNamedAndUnknownOnesListTheKnown() {
        assertThat(DbEngine.parse("PostgreSQL")).isEqualTo(DbEngine.POSTGRESQL);
        assertThat(DbEngine.parse("mariadb").defaultPort()).isEqualTo(3306);
        assertThatThrownBy(() -> DbEngine.parse("oracle")).hasMessage("engine 'oracle' is not supported: use postgresql, mysql or mariadb");
        assertThatThrownBy(() -> DbEngine.parse(null)).hasMessageContaining("not supported");
    }

    @Test
    void anEndpointNeverShowsItsPassword() {
        Endpoint e = new Endpoint(DbEngine.POSTGRESQL, null, 5432, "/run/postgresql", "postgres", "hunter2");
        assertThat(e.toString()).isEqualTo("socket /run/postgresql/.s.PGSQL.5432").doesNotContain("hunter2");
        assertThat(new Endpoint(DbEngine.MARIADB, "db1", 3307, null, "u", "hunter2").toString()).isEqualTo("db1:3307");
    }

    @Test
    void mariadbWithoutAHostIsAClearError() {
        Endpoint e = new Endpoint(DbEngine.MARIADB, null, 3306, "/run/mysqld", "root", null);
        assertThatThrownBy(() -> e.connect(null)).isInstanceOf(SQLException.class).hasMessageContaining("register the instance with --host and --port");
    }

    @Test
    void aPostgresSocketThatIsNotThereIsNamed() {
        Endpoint e = new Endpoint(DbEngine.POSTGRESQL, null, 5999, tmp.toString(), "postgres", null);
        assertThatThrownBy(() -> e.connect(null)).isInstanceOf(SQLException.class);
        assertThat(LocalRuntime.accepts(e)).isFalse();
    }

    @Test
    void processesLeftStoppedByACrashAreContinuedFromTheLedger() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(p.pid())).start().waitFor()).isZero();
            assertThat(awaitState(p.pid(), 'T')).isEqualTo('T');
            Path ledger = tmp.resolve("sigstop.pids");
            Files.writeString(ledger, p.pid() + "\n");
            assertThat(ConsistentCopy.continueStopped(ledger)).isEqualTo(1);
            assertThat(awaitState(p.pid(), 'S')).isNotEqualTo('T');
            assertThat(ledger).doesNotExist();
            assertThat(ConsistentCopy.continueStopped(ledger)).as("no ledger, nothing to do").isZero();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCrashCopyWithoutARunningServerSaysSo() throws Exception {
        Path vol = Files.createDirectories(tmp.resolve("vol"));
        Endpoint e = new Endpoint(DbEngine.POSTGRESQL, "127.0.0.1", 1, null, "postgres", null);
        assertThatThrownBy(() -> ConsistentCopy.crash(e, vol, "", tmp.resolve("copy"), tmp.resolve("ledger")))
                .isInstanceOf(ConsistentCopy.QuiesceException.class).hasMessageContaining("no pid file of a running postgresql server in " + vol);
        Files.writeString(vol.resolve("postmaster.pid"), "999999999\n" + vol + "\n");
        assertThatThrownBy(() -> ConsistentCopy.crash(e, vol, "", tmp.resolve("copy"), tmp.resolve("ledger")))
                .hasMessageContaining("pid 999999999").hasMessageContaining("is not running on this host");
        assertThat(tmp.resolve("copy")).doesNotExist();
    }

    /** The process's state letter from /proc, polled for up to 5 s until it is {@code want}. */
    private static char awaitState(long pid, char want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char c = stat.charAt(stat.lastIndexOf(')') + 2);
            if (c == want || System.nanoTime() > deadline) return c;
            Thread.sleep(10);
        }
    }
}
