package io.coffer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends events to the configured webhooks ({@code notify.webhook}) as JSON POSTs: every failure
 * ({@code job.failed}, {@code verification.failed}, {@code schedule.failed}, {@code disk.low}),
 * and, when {@code notify.events} asks for them, {@code success} ({@code job.succeeded}),
 * {@code expiry} ({@code backup.expired}), {@code verification} ({@code verification.passed})
 * and {@code skipped} ({@code schedule.skipped}). A delivery that fails (no answer within 10 s,
 * or not a 2xx) is tried again after 1, 2, 4, 8 and 16 s, then given up with a warning. The
 * body is the event: {@code {"event", "time", "node", …fields}}.
 */
final class Webhooks implements Consumer<Events.Event>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    static final Set<String> OPTIONAL = Set.of("success", "expiry", "verification", "skipped");
    private static final int ATTEMPTS = 6;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> urls;
    private final Set<String> wanted;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "coffer-webhooks");
        t.setDaemon(true);
        return t;
    });

    Webhooks(List<URI> urls, Set<String> wanted) {
        this.urls = List.copyOf(urls);
        this.wanted = Set.copyOf(wanted);
    }

    @Override
    public void accept(Events.Event e) {
        if (!wants(e)) return;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", e.type());
        body.put("time", e.time());
        body.put("node", e.node());
        body.putAll(e.fields());
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (java.io.IOException x) {
            LOG.warn("event {} not sent: {}", e.type(), x.getMessage());
            return;
        }
        for (URI url : urls) sender.execute(() -> deliver(url, e.type(), json, 1));
    }

    boolean wants(Events.Event e) {
        if (e.failure()) return true;
        return switch (e.type()) {
            case "job.succeeded" -> wanted.contains("success");
            case "backup.expired" -> wanted.contains("expiry");
            case "verification.passed" -> wanted.contains("verification");
            case "schedule.skipped" -> wanted.contains("skipped");
            default -> false;
        };
    }

    private void deliver(URI url, String type, byte[] json, int attempt) {
        String problem;
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .header("User-Agent", "coffer").POST(HttpRequest.BodyPublishers.ofByteArray(json)).build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 == 2) return;
            problem = "HTTP " + r.statusCode();
        } catch (java.io.IOException e) {
            problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt >= ATTEMPTS) {
            LOG.warn("webhook {}: event {} not delivered after {} attempts ({})", url, type, attempt, problem);
            return;
        }
        long delay = 1L << (attempt - 1); // 1, 2, 4, 8, 16 s
        LOG.info("webhook {}: event {} not delivered ({}); trying again in {} s", url, type, problem, delay);
        sender.schedule(() -> deliver(url, type, json, attempt + 1), delay, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }
}
