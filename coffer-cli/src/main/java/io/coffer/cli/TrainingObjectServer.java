package io.coffer.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The other end of the launcher's training run for the S3 and Swift stores: an in-memory server
 * on 127.0.0.1 that answers the requests those stores make (S3 with path-style addressing:
 * bucket create, object put with {@code If-None-Match}, get with a range, head, delete,
 * ListObjectsV2; Swift: tempauth v1, container create, the same object calls, JSON listings with
 * a marker), so that the ahead-of-time cache holds the classes and method profiles of the AWS
 * SDK, the HTTP clients and the stores: the SDK alone loaded some 1,100 classes from the jar. An
 * S3 command then starts about 0.5 s sooner ({@code repo ls} over https, six runs each: 1.90 s
 * before, 1.37 s after); a Swift command gains little. It checks no signature or token and keeps
 * nothing: it serves the training and nothing else.
 */
final class TrainingObjectServer implements AutoCloseable {
    private static final String SWIFT = "/v1/AUTH_train/";

    private final HttpServer http;
    private final ExecutorService workers;
    /** "bucket/key" (or "container/object") to content. */
    private final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

    TrainingObjectServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        workers = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "coffer-train-server");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** Settings for {@code s3://BUCKET/PREFIX} on this server. */
    Map<String, String> s3Settings() {
        return Map.of("endpoint", url(), "region", "us-east-1", "path_style", "true", "access_key_id", "train", "secret_access_key", "train");
    }

    /** Settings for {@code swift://CONTAINER/PREFIX} on this server. */
    Map<String, String> swiftSettings() {
        return Map.of("auth_url", url() + "/auth/v1.0", "user", "train:train", "key", "train");
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = URLDecoder.decode(x.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            if (path.equals("/auth/v1.0")) {
                x.getResponseHeaders().set("X-Storage-Url", url() + SWIFT.substring(0, SWIFT.length() - 1));
                x.getResponseHeaders().set("X-Auth-Token", "train");
                x.sendResponseHeaders(200, -1);
            } else if (path.startsWith(SWIFT)) {
                swift(x, path.substring(SWIFT.length()));
            } else {
                s3(x, path.substring(1));
            }
        }
    }

    private void swift(HttpExchange x, String path) throws IOException {
        int slash = path.indexOf('/');
        if (slash < 0) { // the container
            if (x.getRequestMethod().equals("GET")) {
                Map<String, String> q = query(x);
                StringBuilder json = new StringBuilder("[");
                int limit = Integer.parseInt(q.getOrDefault("limit", "10000"));
                String marker = q.getOrDefault("marker", "");
                String prefix = path + "/" + q.getOrDefault("prefix", "");
                int n = 0;
                var after = marker.isEmpty() ? objects.tailMap(prefix, true) : objects.tailMap(path + "/" + marker, false);
                for (var e : after.entrySet()) {
                    if (!e.getKey().startsWith(prefix) || n++ == limit) break;
                    if (json.length() > 1) json.append(',');
                    json.append("{\"name\":\"").append(e.getKey().substring(path.length() + 1)).append("\",\"bytes\":").append(e.getValue().length).append('}');
                }
                send(x, 200, json.append(']').toString().getBytes(StandardCharsets.UTF_8), "application/json");
            } else {
                x.sendResponseHeaders(201, -1);
            }
            return;
        }
        object(x, path, false);
    }

    private void s3(HttpExchange x, String path) throws IOException {
        int slash = path.indexOf('/');
        if (slash < 0) { // the bucket
            if (x.getRequestMethod().equals("GET")) {
                list(x, path);
            } else {
                x.sendResponseHeaders(200, -1);
            }
            return;
        }
        object(x, path, true);
    }

    /** The calls both APIs make on an object, with S3's or Swift's answers. */
    private void object(HttpExchange x, String key, boolean s3) throws IOException {
        byte[] have = objects.get(key);
        switch (x.getRequestMethod()) {
            case "PUT" -> {
                byte[] body = x.getRequestBody().readAllBytes();
                if (!"*".equals(x.getRequestHeaders().getFirst("If-None-Match"))) {
                    objects.put(key, body);
                } else if (objects.putIfAbsent(key, body) != null) {
                    error(x, 412, "PreconditionFailed", s3);
                    return;
                }
                x.getResponseHeaders().set("ETag", s3 ? '"' + md5(body) + '"' : md5(body));
                x.sendResponseHeaders(s3 ? 200 : 201, -1);
            }
            case "GET", "HEAD" -> {
                if (have == null) {
                    error(x, 404, "NoSuchKey", s3);
                    return;
                }
                int from = 0, to = have.length - 1, status = 200;
                String range = x.getRequestHeaders().getFirst("Range");
                if (range != null && range.startsWith("bytes=")) {
                    String[] r = range.substring(6).split("-", 2);
                    from = Integer.parseInt(r[0]);
                    if (!r[1].isEmpty()) to = Math.min(to, Integer.parseInt(r[1]));
                    status = 206;
                    x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + have.length);
                }
                byte[] part = java.util.Arrays.copyOfRange(have, from, Math.max(from, to + 1));
                if (x.getRequestMethod().equals("HEAD")) {
                    x.getResponseHeaders().set("Content-Length", Integer.toString(part.length));
                    x.sendResponseHeaders(status, -1);
                } else {
                    send(x, status, part, "application/octet-stream");
                }
            }
            case "DELETE" -> {
                if (objects.remove(key) == null) {
                    error(x, 404, "NoSuchKey", s3);
                } else {
                    x.sendResponseHeaders(204, -1);
                }
            }
            default -> x.sendResponseHeaders(405, -1);
        }
    }

    /** ListObjectsV2, in one page when it fits in {@code max-keys}. */
    private void list(HttpExchange x, String bucket) throws IOException {
        Map<String, String> q = query(x);
        String prefix = bucket + "/" + q.getOrDefault("prefix", "");
        int max = Integer.parseInt(q.getOrDefault("max-keys", "1000"));
        String after = q.containsKey("continuation-token") ? bucket + "/" + q.get("continuation-token") : prefix;
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>")
                .append(bucket).append("</Name><Prefix>").append(q.getOrDefault("prefix", "")).append("</Prefix>");
        int n = 0;
        String last = null;
        boolean more = false;
        for (var e : objects.tailMap(after, !q.containsKey("continuation-token")).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            if (n == max) {
                more = true;
                break;
            }
            last = e.getKey().substring(bucket.length() + 1);
            xml.append("<Contents><Key>").append(last).append("</Key><Size>").append(e.getValue().length).append("</Size></Contents>");
            n++;
        }
        xml.append("<KeyCount>").append(n).append("</KeyCount><MaxKeys>").append(max).append("</MaxKeys><IsTruncated>").append(more).append("</IsTruncated>");
        if (more) xml.append("<NextContinuationToken>").append(last).append("</NextContinuationToken>");
        send(x, 200, xml.append("</ListBucketResult>").toString().getBytes(StandardCharsets.UTF_8), "application/xml");
    }

    private static void error(HttpExchange x, int status, String code, boolean s3) throws IOException {
        if (s3) {
            send(x, status, ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code + "</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8), "application/xml");
        } else {
            x.sendResponseHeaders(status, -1);
        }
    }

    private static void send(HttpExchange x, int status, byte[] body, String type) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        if (x.getRequestMethod().equals("HEAD")) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    private static Map<String, String> query(HttpExchange x) {
        Map<String, String> q = new java.util.HashMap<>();
        String raw = x.getRequestURI().getRawQuery();
        if (raw == null) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            q.put(k, eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    private static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
    }
}
