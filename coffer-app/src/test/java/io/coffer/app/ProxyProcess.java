package io.coffer.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/HttpProxy.java} as a process in front of the real Swift: counts requests and
 * injects faults. It can be stopped (the object store "goes down") and started again on the
 * same port.
 */
final class ProxyProcess implements AutoCloseable {
    private final String upstream;
    private final List<String> faults;
    private final Path stats;
    private int port;
    private Process process;

    ProxyProcess(String upstream, Path stats, String... faults) {
        this.upstream = upstream;
        this.stats = stats;
        this.faults = List.of(faults);
    }

    /** The upstream HOST:PORT of an http:// URL. */
    static String hostPort(String url) {
        java.net.URI u = java.net.URI.create(url);
        return u.getHost() + ":" + u.getPort();
    }

    ProxyProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                CofferProcess.launcher().resolveSibling("scripts").resolve("HttpProxy.java").toString(),
                "--upstream", upstream, "--listen", Integer.toString(port), "--stats", stats.toString()));
        cmd.addAll(faults);
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (line == null || !line.startsWith("listening on ")) throw new IllegalStateException("proxy did not start: " + line);
        port = Integer.parseInt(line.substring("listening on ".length()).trim());
        return this;
    }

    /** Where clients reach the upstream through the proxy. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The object store goes away: connections are refused until {@link #start()}. */
    void stop() throws InterruptedException {
        process.destroy();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    JsonNode stats() throws IOException {
        return ServerProcess.JSON.readTree(Files.readString(stats));
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) stop();
    }
}
