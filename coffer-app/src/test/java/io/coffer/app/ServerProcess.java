package io.coffer.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** A real {@code coffer server} process on a free loopback port, with HTTP and CLI helpers. */
final class ServerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    record Response(int status, JsonNode body) {
        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    final Path dataDir;
    final int port;
    final Map<String, String> env;
    private Process process;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Path log;

    ServerProcess(Path dataDir, Map<String, String> env) throws IOException {
        this(dataDir, env, freePort());
    }

    /** A server that will listen on {@code port} (one a catalog names, say). */
    ServerProcess(Path dataDir, Map<String, String> env, int port) throws IOException {
        this.dataDir = dataDir;
        this.env = new HashMap<>(env);
        this.port = port;
        this.log = Files.createTempFile("coffer-server", ".log");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    ServerProcess(Path dataDir) throws IOException {
        this(dataDir, Map.of());
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    ServerProcess start() throws Exception {
        return start("127.0.0.1:" + port);
    }

    ServerProcess start(String listen) throws Exception {
        process = CofferProcess.builder(env, "server", "--data-dir", dataDir.toString(), "--listen", listen)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + log());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return this;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("server did not come up:\n" + log());
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Waits for the process to end by itself; its exit code, or -1 after {@code seconds}. */
    int waitForExit(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL: no shutdown hook, no cleanup, as in a power cut of the process. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }

    Response call(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofMinutes(2));
        headers.forEach(b::header);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n;
        try {
            n = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
            n = JSON.getNodeFactory().textNode(r.body());
        }
        return new Response(r.statusCode(), n);
    }

    Response call(String method, String path, String body) throws Exception {
        return call(method, path, body, Map.of());
    }

    JsonNode get(String path) throws Exception {
        Response r = call("GET", path, null);
        if (r.status() != 200) throw new IllegalStateException("GET " + path + " -> " + r);
        return r.body();
    }

    /** Polls a resource until its status is in {@code until}; returns it. */
    JsonNode await(String path, String field, Set<String> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        JsonNode n = null;
        while (System.nanoTime() < deadline) {
            n = get(path).path(field);
            if (until.contains(n.path("status").asText())) return n;
            Thread.sleep(100);
        }
        throw new IllegalStateException(path + " did not reach " + until + ": " + n);
    }

    /**
     * Polls a resource (a backup, snapshot or job) until its job has moved data; returns its
     * progress (with {@code job_id}). Fails at once if the job ended before that.
     */
    JsonNode awaitBytesMoved(String path, String field) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        JsonNode p = null;
        while (System.nanoTime() < deadline) {
            p = get(path).path(field).path("progress");
            if (p.path("bytes_done").asLong() > 0) return p;
            if (Set.of("succeeded", "failed", "cancelled").contains(p.path("job_status").asText())) {
                throw new IllegalStateException(path + ": the job ended before it moved data: " + p);
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException(path + " never moved data: " + p);
    }

    /** Runs the CLI against this server. */
    CofferProcess.Result cli(String... args) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        e.put("COFFER_URL", url());
        return CofferProcess.run(e, args);
    }

    static JsonNode json(CofferProcess.Result r) throws IOException {
        return JSON.readTree(r.out());
    }
}
