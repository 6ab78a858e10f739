import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counting, fault-injecting HTTP/1.1 proxy for the object-store tests and benchmarks, run as a
 * single-file program: {@code java scripts/HttpProxy.java --upstream 127.0.0.1:8080 [options]}.
 *
 * <p>Each client connection gets its own upstream connection; requests and responses are relayed
 * as they are (Content-Length or chunked bodies), so signatures (S3 SigV4) and tokens stay valid,
 * and Swift's tempauth hands out storage URLs that point back at the proxy (it builds them from
 * the Host header).
 *
 * <p>Options:
 * <ul>
 *   <li>{@code --listen PORT} (0, the default, picks a free port; "listening on PORT" is printed)
 *   <li>{@code --fail P}: answer a fraction P of requests 503 without forwarding them (faults
 *       are spread evenly over the requests, not drawn at random)
 *   <li>{@code --reset P}: forward a fraction P, then drop the connection instead of answering
 *       (the request may have taken effect)
 *   <li>{@code --hang P}: never answer a fraction P (until the client gives up)
 *   <li>{@code --stats FILE}: keep request counts, by method, and body bytes in each direction in
 *       FILE (JSON, rewritten every 200 ms and at exit)
 *   <li>{@code --tls KEYSTORE}: listen with TLS, with the key in the PKCS12 file KEYSTORE (password
 *       in {@code --tls-password}, default "proxy-tls"); upstream stays plain HTTP. Clients that sign
 *       S3 uploads differently over https (minio-go, which restic uses) need it
 * </ul>
 */
public final class HttpProxy {
    static String upstreamHost;
    static int upstreamPort;
    static double fail, reset, hang;
    static final AtomicLong bytesUp = new AtomicLong(), bytesDown = new AtomicLong();
    static final Map<String, AtomicLong> counts = new TreeMap<>();

    public static void main(String[] args) throws Exception {
        int listen = 0;
        Path stats = null;
        Path tls = null;
        String tlsPassword = "proxy-tls";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--listen" -> listen = Integer.parseInt(v);
                case "--upstream" -> {
                    upstreamHost = v.substring(0, v.lastIndexOf(':'));
                    upstreamPort = Integer.parseInt(v.substring(v.lastIndexOf(':') + 1));
                }
                case "--fail" -> fail = Double.parseDouble(v);
                case "--reset" -> reset = Double.parseDouble(v);
                case "--hang" -> hang = Double.parseDouble(v);
                case "--stats" -> stats = Path.of(v);
                case "--tls" -> tls = Path.of(v);
                case "--tls-password" -> tlsPassword = v;
                default -> {
                    System.err.println("HttpProxy: unknown option " + a);
                    System.exit(2);
                }
            }
            i++;
        }
        if (upstreamHost == null) {
            System.err.println("HttpProxy: --upstream HOST:PORT is required");
            System.exit(2);
        }
        ServerSocket server = tls == null ? new ServerSocket(listen, 512, InetAddress.getLoopbackAddress())
                : tlsContext(tls, tlsPassword.toCharArray()).getServerSocketFactory().createServerSocket(listen, 512, InetAddress.getLoopbackAddress());
        System.out.println("listening on " + server.getLocalPort());
        System.out.flush();
        if (stats != null) {
            Path file = stats;
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    writeStats(file);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(new Thread(() -> writeStats(file)));
        }
        while (true) {
            Socket client = server.accept();
            Thread.ofVirtual().start(() -> serve(client));
        }
    }

    static javax.net.ssl.SSLContext tlsContext(Path keystore, char[] password) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, password);
        }
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static synchronized void writeStats(Path file) {
        StringBuilder sb = new StringBuilder("{\"requests\":");
        long total = 0;
        StringBuilder by = new StringBuilder();
        synchronized (counts) {
            for (var e : counts.entrySet()) {
                if (!e.getKey().startsWith("fault:")) total += e.getValue().get();
                by.append(by.isEmpty() ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue().get());
            }
        }
        sb.append(total).append(",\"by_kind\":{").append(by).append("},\"bytes_up\":").append(bytesUp.get())
                .append(",\"bytes_down\":").append(bytesDown.get()).append("}\n");
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, sb);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            System.err.println("HttpProxy: cannot write " + file + ": " + e);
        }
    }

    static void count(String kind) {
        synchronized (counts) {
            counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
    }

    enum Fault { NONE, FAIL, RESET, HANG }

    static double owedFail, owedReset, owedHang;

    /**
     * The fault of the next request. Faults are spread evenly rather than drawn at random, so a
     * run of n requests gets floor(n x P) of each kind whatever the timing: tests can count on them.
     */
    static synchronized Fault draw() {
        owedFail += fail;
        owedReset += reset;
        owedHang += hang;
        if (owedFail >= 1) {
            owedFail -= 1;
            return Fault.FAIL;
        }
        if (owedReset >= 1) {
            owedReset -= 1;
            return Fault.RESET;
        }
        if (owedHang >= 1) {
            owedHang -= 1;
            return Fault.HANG;
        }
        return Fault.NONE;
    }

    static void serve(Socket client) {
        Socket upstream = null;
        try (client) {
            InputStream cin = new BufferedInputStream(client.getInputStream(), 1 << 16);
            OutputStream cout = client.getOutputStream();
            InputStream uin = null;
            OutputStream uout = null;
            while (true) {
                Head req = Head.read(cin);
                if (req == null) return;
                String method = req.startLine.split(" ", 2)[0];
                count(method);
                Fault f = draw();
                if (f == Fault.FAIL) {
                    count("fault:fail");
                    if (expectsContinue(req)) {
                        // answered before the body, which the client holds back: close after it
                        cout.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        cout.flush();
                        return;
                    }
                    relayBody(req, cin, OutputStream.nullOutputStream(), null, false);
                    cout.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    cout.flush();
                    continue;
                }
                if (f == Fault.HANG) {
                    count("fault:hang");
                    relayBody(req, cin, OutputStream.nullOutputStream(), null, false);
                    while (cin.read() >= 0) {
                        // hold the request unanswered until the client gives up
                    }
                    return;
                }
                if (upstream == null) {
                    upstream = new Socket(upstreamHost, upstreamPort);
                    upstream.setTcpNoDelay(true);
                    uin = new BufferedInputStream(upstream.getInputStream(), 1 << 16);
                    uout = upstream.getOutputStream();
                }
                uout.write(req.bytes());
                Head resp = null;
                if (expectsContinue(req)) {
                    // The client sends the body only after an interim answer: relay upstream's
                    // first answer before the body, or both sides wait (the client until its
                    // expect-continue timeout).
                    uout.flush();
                    resp = Head.read(uin);
                    if (resp != null && resp.startLine.matches("HTTP/1\\.[01] 100.*")) {
                        if (f != Fault.RESET) {
                            cout.write(resp.bytes());
                            cout.flush();
                        }
                        resp = null;
                    } else if (resp != null) {
                        // a final answer instead (an error): the client may or may not send the
                        // body now, so this connection cannot be reused
                        cout.write(resp.bytes());
                        boolean noBody = method.equals("HEAD") || resp.startLine.matches("HTTP/1\\.[01] (204|304).*");
                        if (!noBody) relayBody(resp, uin, cout, bytesDown, true);
                        cout.flush();
                        return;
                    }
                }
                relayBody(req, cin, uout, bytesUp, false);
                uout.flush();
                if (resp == null) resp = Head.read(uin);
                // interim answers (100 Continue to a client that sent Expect) go through as they are
                while (resp != null && resp.startLine.matches("HTTP/1\\.[01] 1\\d\\d.*") && !resp.startLine.matches("HTTP/1\\.[01] 101.*")) {
                    if (f != Fault.RESET) {
                        cout.write(resp.bytes());
                        cout.flush();
                    }
                    resp = Head.read(uin);
                }
                if (resp == null) throw new EOFException("upstream closed the connection");
                boolean noBody = method.equals("HEAD") || resp.startLine.matches("HTTP/1\\.[01] (1\\d\\d|204|304).*");
                if (f == Fault.RESET) {
                    count("fault:reset");
                    if (!noBody) relayBody(resp, uin, OutputStream.nullOutputStream(), null, true);
                    client.setSoLinger(true, 0);
                    return;
                }
                cout.write(resp.bytes());
                if (!noBody) relayBody(resp, uin, cout, bytesDown, true);
                cout.flush();
                if (resp.closes() || req.closes()) return;
            }
        } catch (IOException e) {
            // the client or upstream went away: drop both sides
        } finally {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    static boolean expectsContinue(Head req) {
        String expect = req.header("expect");
        return expect != null && expect.trim().equalsIgnoreCase("100-continue");
    }

    /** Relays a message body framed by Content-Length or chunked encoding (or, for a response, by the connection's end). */
    static void relayBody(Head h, InputStream in, OutputStream out, AtomicLong counter, boolean response) throws IOException {
        String te = h.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String line = readLine(in);
                out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semi = line.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                if (size == 0) {
                    while (true) { // trailers, then the empty line
                        String t = readLine(in);
                        out.write((t + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        if (t.isEmpty()) return;
                    }
                }
                copy(in, out, size, counter);
                String crlf = readLine(in);
                out.write((crlf + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        String cl = h.header("content-length");
        if (cl != null) {
            copy(in, out, Long.parseLong(cl.trim()), counter);
        } else if (response) {
            copy(in, out, Long.MAX_VALUE, counter);
        }
    }

    static void copy(InputStream in, OutputStream out, long n, AtomicLong counter) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                if (n == Long.MAX_VALUE) return;
                throw new EOFException("body ended early");
            }
            out.write(buf, 0, r);
            if (counter != null) counter.addAndGet(r);
            left -= r;
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            b.write(c);
        }
        if (c < 0 && b.size() == 0) throw new EOFException();
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A request or response head: the start line and the header lines, as received. */
    record Head(String startLine, java.util.List<String> lines) {
        static Head read(InputStream in) throws IOException {
            String start;
            try {
                start = readLine(in);
            } catch (EOFException e) {
                return null;
            }
            java.util.List<String> lines = new java.util.ArrayList<>();
            while (true) {
                String l = readLine(in);
                if (l.isEmpty()) break;
                lines.add(l);
            }
            return new Head(start, lines);
        }

        String header(String name) {
            for (String l : lines) {
                int colon = l.indexOf(':');
                if (colon > 0 && l.substring(0, colon).trim().equalsIgnoreCase(name)) return l.substring(colon + 1).trim();
            }
            return null;
        }

        boolean closes() {
            String c = header("connection");
            return c != null && c.toLowerCase(Locale.ROOT).contains("close");
        }

        byte[] bytes() {
            StringBuilder sb = new StringBuilder(startLine).append("\r\n");
            for (String l : lines) sb.append(l).append("\r\n");
            return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }
    }
}
