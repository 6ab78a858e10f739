package io.coffer.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathUsersTest {
    @TempDir
    Path tmp;

    @Test
    void findsAProcessWorkingInTheTreeAndOneHoldingAFileOpenAndNoneOnceTheyEnd() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("volume/data"));
        Path file = Files.writeString(tree.resolve("log"), "x\n");
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        assertThat(PathUsers.of(tmp.resolve("volume"), 10)).isEmpty();

        Process worker = new ProcessBuilder("sleep", "60").directory(tree.toFile()).start();
        Process reader = new ProcessBuilder("tail", "-f", file.toString()).directory(elsewhere.toFile()).start();
        Process bystander = new ProcessBuilder("sleep", "60").directory(elsewhere.toFile()).start();
        try {
            Thread.sleep(300); // tail opens its file
            var users = PathUsers.of(tmp.resolve("volume"), 10);
            assertThat(users).anySatisfy(u -> {
                assertThat(u.pid()).isEqualTo(worker.pid());
                assertThat(u.command()).isEqualTo("sleep");
                assertThat(u.what()).isEqualTo("working directory");
            });
            assertThat(users).anySatisfy(u -> {
                assertThat(u.pid()).isEqualTo(reader.pid());
                assertThat(u.what()).isEqualTo("open file data/log");
            });
            assertThat(users).noneSatisfy(u -> assertThat(u.pid()).isEqualTo(bystander.pid()));
            assertThat(PathUsers.describe(users)).contains("sleep (pid " + worker.pid() + ", working directory)");
            // one file of the tree: only who holds it
            assertThat(PathUsers.of(file, 10)).extracting(PathUsers.User::pid).containsExactly(reader.pid());
            assertThat(PathUsers.of(tmp.resolve("volume"), 1)).hasSize(1);
        } finally {
            for (Process p : new Process[] {worker, reader, bystander}) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(PathUsers.of(tmp.resolve("volume"), 10)).isEmpty();
        assertThat(PathUsers.of(tmp.resolve("missing"), 10)).isEmpty();
    }
}
