package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive the build makes (coffer-app/target/coffer-VERSION.tar.gz) works on a host
 * without a source tree or Maven: unpacked, its bin/coffer runs the jar with no build (no mvn on
 * the PATH), uses the class-data archive made at package time (-Xshare:on would refuse to start
 * otherwise), and serves as `coffer server`; the unit and the installer are there.
 */
class ReleaseArchiveIT {
    static final Path TARGET = Path.of(System.getProperty("coffer.root"), "coffer-app", "target");

    @TempDir
    Path tmp;

    record Run(int code, String out) {}

    Run run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void theReleaseArchiveRunsWithoutASourceTree() throws Exception {
        Path archive;
        try (var s = Files.list(TARGET)) {
            archive = s.filter(p -> p.getFileName().toString().matches("coffer-.*\\.tar\\.gz")).findFirst().orElseThrow();
        }
        assertThat(run(Map.of("PATH", "/usr/bin:/bin"), "tar", "xzf", archive.toString(), "-C", tmp.toString()).code()).isZero();
        Path home;
        try (var s = Files.list(tmp)) {
            home = s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        for (String f : List.of("bin/coffer", "lib/coffer.jar", "lib/coffer.jsa", "etc/coffer.properties", "systemd/coffer.service", "install.sh")) {
            assertThat(home.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/coffer"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(home.resolve("install.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        String unit = Files.readString(home.resolve("systemd/coffer.service"));
        assertThat(unit).contains("ExecStart=/opt/coffer/bin/coffer server").contains("Restart=on-failure").contains("User=coffer");
        assertThat(run(Map.of("PATH", "/usr/bin:/bin"), "sh", "-n", home.resolve("install.sh").toString()).code()).isZero();

        // no Maven on the PATH, a JDK named by JAVA_HOME; -Xshare:on fails unless the archive maps
        String javaHome = System.getProperty("java.home");
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "JAVA_HOME", javaHome, "COFFER_JAVA_EXTRA_OPTS", "-Xshare:on");
        Run version = run(env, home.resolve("bin/coffer").toString(), "--version");
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).startsWith("coffer ").doesNotContain("building");

        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = new ProcessBuilder(home.resolve("bin/coffer").toString(), "server", "--data-dir", tmp.resolve("data").toString(),
                "--listen", "127.0.0.1:" + port, "--config", home.resolve("etc/coffer.properties").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            int status = 0;
            for (int i = 0; i < 300 && status != 200; i++) {
                try {
                    status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(100);
                }
            }
            assertThat(status).as(Files.readString(tmp.resolve("server.log"))).isEqualTo(200);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
