package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.coffer.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host whose temporary directory is mounted noexec (a common hardening): zstd-jni's own way of
 * loading its native library (a copy in /tmp) fails there, so Coffer keeps the library beside
 * its jar or in ~/.cache, and says clearly what to do when it can put it nowhere. Needs root to
 * mount a tmpfs: skipped without, a failure in CI.
 */
class NativeLibraryIT {
    @TempDir
    Path tmp;

    private Path noexec;

    @BeforeEach
    void mountNoexec() throws Exception {
        boolean ok = Fixtures.isRoot();
        if (!ok && "true".equals(System.getenv("CI"))) throw new IllegalStateException("NativeLibraryIT needs root in CI");
        assumeThat(ok).as("root, to mount a noexec tmpfs").isTrue();
        noexec = Files.createDirectory(tmp.resolve("noexec"));
        FreezeIT.sh("mount", "-t", "tmpfs", "-o", "noexec,size=128m", "tmpfs", noexec.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        if (noexec != null) FreezeIT.sh("umount", noexec.toString());
    }

    @Test
    void everyCommandWorksWhenTheTemporaryDirectoryIsNoexec() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.write(src.resolve("data.bin"), Fixtures.random(7, 3 << 20));
        Files.writeString(tmp.resolve("src/note.txt"), "hello ".repeat(10_000));
        Map<String, String> env = env();
        env.put("COFFER_JAVA_EXTRA_OPTS", "-Djava.io.tmpdir=" + noexec);
        Path repo = tmp.resolve("repo");
        assertThat(CofferProcess.run(env, "repo", "init", "--repo", repo.toString()).code()).isZero();
        CofferProcess.Result b = CofferProcess.run(env, "repo", "backup", "--repo", repo.toString(), tmp.resolve("src").toString());
        assertThat(b.code()).as(b.toString()).isZero();
        Path out = tmp.resolve("out");
        CofferProcess.Result r = CofferProcess.run(env, "repo", "restore", "--repo", repo.toString(), "latest", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(out.resolve("sub/data.bin")).hasSameBinaryContentAs(src.resolve("data.bin"));
        assertThat(out.resolve("note.txt")).hasSameTextualContentAs(tmp.resolve("src/note.txt"));
        assertThat(CofferProcess.run(env, "repo", "check", "--repo", repo.toString(), "--read-data").code()).isZero();
    }

    @Test
    void withNowhereToLoadTheLibraryFromTheErrorSaysWhatToDo() throws Exception {
        Path repo = tmp.resolve("repo");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "some text ".repeat(1000));
        assertThat(CofferProcess.run(env(), "repo", "init", "--repo", repo.toString()).code()).isZero();

        // the jar, the home directory and the temporary directory all on the noexec mount
        Path jarDir = Files.createDirectory(noexec.resolve("jar"));
        Path jar = Files.copy(CofferProcess.launcher().getParent().resolve("coffer-app/target/coffer.jar"), jarDir.resolve("coffer.jar"));
        Map<String, String> env = env();
        env.put("COFFER_JAR", jar.toString());
        env.put("COFFER_AOT", "0");
        env.put("HOME", Files.createDirectory(noexec.resolve("home")).toString());
        env.remove("XDG_CACHE_HOME");
        env.put("COFFER_JAVA_EXTRA_OPTS", "-Djava.io.tmpdir=" + noexec);
        CofferProcess.Result r = CofferProcess.run(env, "repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("cannot load zstd's native library").contains("noexec").contains("XDG_CACHE_HOME")
                .doesNotContain("\tat ").doesNotContain("Exception in thread");
        CofferProcess.Result ls = CofferProcess.run(env(), "repo", "ls", "--repo", repo.toString(), "--json");
        assertThat(ls.code()).as(ls.toString()).isZero();
        assertThat(ls.out().replaceAll("\\s", "")).isEqualTo("[]"); // no backup, not even a partial one

        // a cache directory that is not noexec is enough
        env.put("XDG_CACHE_HOME", Files.createDirectory(tmp.resolve("cache")).toString());
        CofferProcess.Result ok = CofferProcess.run(env, "repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(tmp.resolve("cache/coffer/native")).isDirectoryContaining(p -> p.getFileName().toString().startsWith("libzstd-jni-"));
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("COFFER_PASSWORD", "native-test");
        return env;
    }
}
