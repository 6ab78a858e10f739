package io.coffer.store.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.store.Keys;
import io.coffer.store.ObjectExistsException;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectNotFoundException;
import io.coffer.store.ObjectStore;
import io.coffer.store.StoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * An {@link ObjectStore} in an OpenStack Swift container, under a prefix, on the JDK HTTP client.
 *
 * <ul>
 *   <li>put: {@code PUT} with {@code If-None-Match: *} (412: the object exists) and the body's MD5
 *       as {@code ETag}, so that Swift refuses (422) a body damaged in transit; objects up to the
 *       pack size, without segmentation (Swift's limit is 5 GiB). Swift checks the condition when
 *       the request arrives, so puts of one key are serialized within this process; across
 *       processes the repository's names make a repeated put harmless (content-addressed data,
 *       random lock and manifest names);
 *   <li>the container is created on the first put that finds it missing (404);
 *   <li>a 401 gets a new token once, then the request again;
 *   <li>listings are JSON pages of up to 10,000 names, continued with {@code marker};
 *   <li>at most {@code connections} requests run at once.
 * </ul>
 */
public final class SwiftObjectStore implements ObjectStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int PAGE = 10_000;

    /**
     * For http:// URLs: a client without the JDK's default TLS context, whose set-up (the trust
     * store's certificates parsed) took some 65 ms of every command against a plain-http Swift.
     */
    private final HttpClient plain;
    /** For https:// URLs, made on first use. */
    private volatile HttpClient tls;
    /** Range reads into the caller's array: the restore's and the check's bulk. */
    private final RangeReader ranges;
    private final SwiftAuth auth;
    private final String container;
    private final String prefix;
    private final Semaphore slots;
    private final Duration timeout;
    private final int page;
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CompletableFuture<Void>> inflight =
            new java.util.concurrent.ConcurrentHashMap<>();

    SwiftObjectStore(SwiftAuth auth, String container, String prefix, int connections, Duration timeout) {
        this(auth, container, prefix, connections, timeout, PAGE);
    }

    /** With {@code page} names per listing request (Swift's default and maximum: 10,000). */
    SwiftObjectStore(SwiftAuth auth, String container, String prefix, int connections, Duration timeout, int page) {
        this.page = page;
        this.timeout = timeout;
        this.plain = client().sslContext(NO_TLS).build();
        this.ranges = new RangeReader(timeout, connections);
        this.auth = auth;
        this.container = container;
        this.prefix = prefix;
        this.slots = new Semaphore(connections);
    }

    private static HttpClient.Builder client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
    }

    /** A TLS context that trusts no one: the plain client never speaks TLS. */
    private static final javax.net.ssl.SSLContext NO_TLS = noTls();

    private static javax.net.ssl.SSLContext noTls() {
        try {
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
            c.init(new javax.net.ssl.KeyManager[0], new javax.net.ssl.TrustManager[0], null);
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS context", e);
        }
    }

    /** The client for {@code u}: TLS only where the URL asks for it. */
    private HttpClient http(URI u) {
        if (!"https".equalsIgnoreCase(u.getScheme())) return plain;
        HttpClient c = tls;
        if (c == null) {
            synchronized (this) {
                c = tls;
                if (c == null) tls = c = client().build();
            }
        }
        return c;
    }

    private String where(String key) {
        return "swift://" + container + "/" + prefix + key;
    }

    private URI objectUrl(SwiftAuth.Session s, String key) {
        return URI.create(s.storageUrl() + "/" + container + "/" + prefix + key); // keys and prefix are URL-safe by Keys.check
    }

    @FunctionalInterface
    private interface RequestFor {
        HttpRequest.Builder build(SwiftAuth.Session s);
    }

    /** The token in use (tests check that a revoked one is replaced). */
    String currentToken() throws IOException {
        return auth.session(http(auth.url())).token();
    }

    @FunctionalInterface
    private interface Call<T> {
        T with(SwiftAuth.Session s) throws IOException;
    }

    /**
     * Runs {@code call} within a connection slot with the current token; when {@code status}
     * of its answer is 401, renews the token once and runs it again.
     */
    private <T> T withSession(String key, String op, Call<T> call, java.util.function.ToIntFunction<T> status) throws IOException {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(op + " " + where(key) + " interrupted");
        }
        try {
            SwiftAuth.Session s = auth.session(http(auth.url()));
            T answer = call.with(s);
            if (status.applyAsInt(answer) != 401) return answer;
            return call.with(auth.renew(http(auth.url()), s));
        } finally {
            slots.release();
        }
    }

    /** Sends a request with the current token; on 401 renews the token once and sends it again. */
    private <T> HttpResponse<T> send(String key, String op, RequestFor req, HttpResponse.BodyHandler<T> body) throws IOException {
        return withSession(key, op, s -> {
            HttpRequest r = req.build(s).timeout(timeout).header("X-Auth-Token", s.token()).build();
            try {
                return http(r.uri()).send(r, body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(op + " " + where(key) + " interrupted");
            } catch (IOException e) {
                // connection refused or reset, timeout: the request may be repeated
                throw new StoreException(key, op + " " + where(key) + " failed: " + describe(e, r.uri()), true, e);
            }
        }, HttpResponse::statusCode);
    }

    /** What went wrong on the wire to {@code u}, in words (the JDK's exceptions often carry no message). */
    private String describe(IOException e, URI u) {
        String server = u.getHost() + ":" + u.getPort();
        if (e instanceof java.net.http.HttpConnectTimeoutException) return "no connection to " + server + " within 10s";
        if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException) return "no answer from " + server + " within " + timeout.toMillis() / 1000.0 + "s";
        if (e instanceof java.net.ConnectException) return "cannot connect to " + server + " (connection refused: is the Swift proxy running?)";
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m) + " (talking to " + server + ")";
    }

    private StoreException fail(String key, String op, int status) {
        String what = key == null ? location() : where(key);
        if (status == 404 && key != null) return new ObjectNotFoundException(location(), key);
        boolean retry = status >= 500 || status == 429 || status == 408 || status == 422;
        String hint = switch (status) {
            case 401, 403 -> " (access denied: check the Swift credentials and the container's ACL)";
            case 422 -> " (the body did not match its checksum on arrival)";
            case 413 -> " (larger than the cluster's max_file_size)";
            default -> "";
        };
        return new StoreException(key, op + " " + what + " failed: HTTP " + status + hint, retry);
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        Keys.check(key);
        // Swift checks If-None-Match when a PUT arrives, so two PUTs in flight at once may both
        // succeed: puts of one key from this process go one after the other.
        java.util.concurrent.CompletableFuture<Void> mine = new java.util.concurrent.CompletableFuture<>();
        while (true) {
            var other = inflight.putIfAbsent(key, mine);
            if (other == null) break;
            try {
                other.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("put " + where(key) + " interrupted");
            } catch (java.util.concurrent.ExecutionException never) {
                // completed normally always
            }
        }
        try {
            putOnce(key, data);
        } finally {
            inflight.remove(key, mine);
            mine.complete(null);
        }
    }

    private void putOnce(String key, ByteBuffer data) throws IOException {
        byte[] body;
        int off;
        int len = data.remaining();
        if (data.hasArray()) {
            body = data.array();
            off = data.arrayOffset() + data.position();
        } else {
            body = new byte[len];
            data.duplicate().get(body);
            off = 0;
        }
        String etag = md5(body, off, len);
        for (int attempt = 0; ; attempt++) {
            HttpResponse<Void> r = send(key, "put", s -> HttpRequest.newBuilder(objectUrl(s, key))
                    .header("If-None-Match", "*").header("ETag", etag).header("Content-Type", "application/octet-stream")
                    .PUT(ArrayBodyPublisher.of(body, off, len)), HttpResponse.BodyHandlers.discarding());
            int st = r.statusCode();
            if (st == 201 || st == 200) return;
            if (st == 412) throw new ObjectExistsException(location(), key);
            if (st == 404 && attempt == 0) {
                createContainer();
                continue;
            }
            throw fail(key, "put", st == 404 ? 500 : st);
        }
    }

    private void createContainer() throws IOException {
        HttpResponse<Void> r = send(null, "create container", s -> HttpRequest.newBuilder(URI.create(s.storageUrl() + "/" + container))
                .PUT(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 != 2) {
            throw new StoreException(null, "container " + container + " does not exist and could not be created: HTTP " + r.statusCode()
                    + " (create it, or use credentials that may)", r.statusCode() >= 500, null);
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        Keys.check(key);
        HttpResponse<byte[]> r = send(key, "get", s -> HttpRequest.newBuilder(objectUrl(s, key)).GET(), ExactBody.handler());
        if (r.statusCode() != 200) throw fail(key, "get", r.statusCode());
        return r.body();
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        Keys.checkRange(key, offset, length);
        if (length == 0) {
            stat(key);
            return new byte[0];
        }
        String range = Keys.httpRange(offset, length);
        HttpResponse<byte[]> r = send(key, "get", s -> HttpRequest.newBuilder(objectUrl(s, key)).header("Range", range).GET(),
                ExactBody.handler());
        return switch (r.statusCode()) {
            case 206 -> r.body();
            case 200 -> { // the server ignored the range (an empty object): cut it here
                byte[] all = r.body();
                int from = (int) Math.min(offset, all.length);
                yield java.util.Arrays.copyOfRange(all, from, (int) Math.min(all.length, offset + length));
            }
            case 416 -> new byte[0]; // the range starts at or past the end
            default -> throw fail(key, "get", r.statusCode());
        };
    }

    @Override
    public int read(String key, long offset, byte[] dst, int dstOff, int length) throws IOException {
        Keys.checkRead(key, offset, dst, dstOff, length);
        if (length == 0) {
            stat(key);
            return 0;
        }
        String range = Keys.httpRange(offset, length);
        RangeReader.Answer r = withSession(key, "get", s -> {
            URI u = objectUrl(s, key);
            try {
                return ranges.get(u, s.token(), range, dst, dstOff, length);
            } catch (IOException e) {
                // connection refused or reset, timeout: the request may be repeated
                throw new StoreException(key, "get " + where(key) + " failed: " + describe(e, u), true, e);
            }
        }, RangeReader.Answer::status);
        return switch (r.status()) {
            case 206 -> r.length(); // read in place
            case 200 -> { // the server ignored the range (an empty object): cut it here
                if (r.body() == null) { // a body without a length: the JDK's client reads it, and cuts it
                    byte[] part = get(key, offset, length);
                    System.arraycopy(part, 0, dst, dstOff, part.length);
                    yield part.length;
                }
                byte[] all = r.body();
                int from = (int) Math.min(offset, all.length);
                int n = (int) Math.min(all.length, offset + length) - from;
                System.arraycopy(all, from, dst, dstOff, n);
                yield n;
            }
            case 416 -> 0; // the range starts at or past the end
            default -> throw fail(key, "get", r.status());
        };
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        Keys.check(key);
        HttpResponse<Void> r = send(key, "stat", s -> HttpRequest.newBuilder(objectUrl(s, key)).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 != 2) throw fail(key, "stat", r.statusCode());
        return new ObjectInfo(key, r.headers().firstValueAsLong("Content-Length").orElse(0));
    }

    @Override
    public List<ObjectInfo> list(String p) throws IOException {
        Keys.checkPrefix(p);
        List<ObjectInfo> out = new ArrayList<>();
        String marker = "";
        while (true) {
            String query = "?format=json&limit=" + page + "&prefix=" + enc(prefix + p) + (marker.isEmpty() ? "" : "&marker=" + enc(marker));
            HttpResponse<byte[]> r = send(p, "list", s -> HttpRequest.newBuilder(URI.create(s.storageUrl() + "/" + container + query)).GET(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404) return out; // no container yet: nothing stored
            if (r.statusCode() == 204) return out;
            if (r.statusCode() != 200) throw fail(null, "list " + p + " in", r.statusCode());
            JsonNode names = JSON.readTree(r.body());
            if (!names.isArray()) throw new StoreException(null, "list " + p + " in " + location() + ": the listing is not a JSON array", false);
            for (JsonNode o : names) {
                marker = o.path("name").asText();
                out.add(new ObjectInfo(marker.substring(prefix.length()), o.path("bytes").asLong()));
            }
            if (names.size() < page) return out;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Keys.check(key);
        HttpResponse<Void> r = send(key, "delete", s -> HttpRequest.newBuilder(objectUrl(s, key)).DELETE(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() / 100 != 2) throw fail(key, "delete", r.statusCode());
    }

    @Override
    public String location() {
        return "swift://" + container + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    @Override
    public void close() {
        ranges.close();
        plain.close();
        HttpClient c = tls;
        if (c != null) c.close();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String md5(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(b, off, len);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
