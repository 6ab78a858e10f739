package io.coffer.store.swift;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Range GETs of HTTP/1.1 over blocking sockets, each answer's body read straight from the
 * socket into the caller's array, on keep-alive connections. A restore reads hundreds of MiB
 * this way: through the JDK's HTTP client the body passed through its selector thread and a chain
 * of 16 KiB buffers, and that client with its compiled code took about a tenth of a restore's CPU
 * on 2 cores that the Swift servers share. Everything else the store does (auth, puts, listings)
 * stays on the JDK client.
 *
 * <p>https URLs get TLS with the JDK's default trust and host name verification. An answer other
 * than 206 is returned with its body (when it has a length) for the caller to judge; a connection
 * is reused only when its answer was read to the end and did not ask to close.
 */
final class RangeReader implements AutoCloseable {
    /**
     * What came back: the status, the body's length, and the body itself unless it went into the
     * caller's array (a 206) or had no length (null: chunked, or up to the connection's end).
     */
    record Answer(int status, int length, byte[] body) {}

    private static final int MAX_HEADER = 64 << 10;
    private static final Duration CONNECT = Duration.ofSeconds(10);

    private final Duration timeout;
    private final int maxIdle;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    RangeReader(Duration timeout, int maxIdle) {
        this.timeout = timeout;
        this.maxIdle = maxIdle;
    }

    private static final class Conn {
        final String origin;
        final Socket socket;
        final BufferedInputStream in;
        final OutputStream out;

        Conn(String origin, Socket socket) throws IOException {
            this.origin = origin;
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 32 << 10);
            this.out = socket.getOutputStream();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /**
     * GET {@code url} with {@code Range: range}; a 206's body (at most {@code max} bytes) goes to
     * {@code dst[off…]}. A connection from the pool that turns out to be closed is replaced once.
     */
    Answer get(URI url, String token, String range, byte[] dst, int off, int max) throws IOException {
        String origin = origin(url);
        for (int attempt = 0; ; attempt++) {
            Conn c = attempt == 0 ? pooled(origin) : null;
            boolean reused = c != null;
            if (c == null) c = open(url, origin);
            boolean keep = false;
            try {
                Read r;
                try {
                    request(c, url, token, range);
                    r = answer(c, dst, off, max);
                } catch (EOFException | java.net.SocketException e) {
                    if (reused) continue; // the server closed an idle connection: try a fresh one
                    throw e;
                }
                keep = r.reusable();
                return r.answer();
            } finally {
                if (keep) release(c);
                else c.close();
            }
        }
    }

    /** An answer, and whether its connection may carry the next request. */
    private record Read(Answer answer, boolean reusable) {}

    private void request(Conn c, URI url, String token, String range) throws IOException {
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        String head = "GET " + path + " HTTP/1.1\r\nHost: " + hostHeader(url) + "\r\nX-Auth-Token: " + token + "\r\nRange: " + range
                + "\r\nAccept-Encoding: identity\r\nUser-Agent: coffer\r\n\r\n";
        c.out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        c.out.flush();
    }

    private Read answer(Conn c, byte[] dst, int off, int max) throws IOException {
        String[] lines = headers(c.in);
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) throw new IOException("not an HTTP/1.1 answer: " + lines[0]);
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + lines[0]);
        }
        long length = -1;
        boolean close = statusLine[0].equals("HTTP/1.0");
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) continue;
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + value);
                    }
                }
                case "connection" -> close |= value.equalsIgnoreCase("close");
                case "transfer-encoding" -> chunked = !value.equalsIgnoreCase("identity");
                default -> { }
            }
        }
        if (status == 206) {
            if (chunked || length < 0 || length > max) {
                throw new IOException("a range answer of " + (chunked ? "chunked" : Long.toString(length)) + " bytes where at most " + max + " were asked for");
            }
            int got = c.in.readNBytes(dst, off, (int) length);
            if (got != length) throw new EOFException("the body ended after " + got + " of " + length + " bytes");
            return new Read(new Answer(status, got, null), !close);
        }
        if (chunked || length < 0 || length > Integer.MAX_VALUE - 16) {
            return new Read(new Answer(status, 0, null), false); // not delimited here (body null): the connection goes
        }
        byte[] body = c.in.readNBytes((int) length);
        if (body.length != length) throw new EOFException("the body ended after " + body.length + " of " + length + " bytes");
        return new Read(new Answer(status, body.length, body), !close);
    }

    /** The status line and header lines, up to the empty line. */
    private static String[] headers(InputStream in) throws IOException {
        byte[] buf = new byte[1024];
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) throw new EOFException(n == 0 ? "the server closed the connection" : "the answer's header ended early");
            if (n == buf.length) {
                if (n >= MAX_HEADER) throw new IOException("an answer header of more than " + MAX_HEADER + " bytes");
                buf = java.util.Arrays.copyOf(buf, n * 2);
            }
            buf[n++] = (byte) b;
            if (n >= 4 && buf[n - 1] == '\n' && buf[n - 2] == '\r' && buf[n - 3] == '\n' && buf[n - 4] == '\r') break;
        }
        return new String(buf, 0, n - 4, StandardCharsets.ISO_8859_1).split("\r\n");
    }

    private Conn pooled(String origin) {
        for (var it = idle.iterator(); it.hasNext();) {
            Conn c = it.next();
            if (c.origin.equals(origin) && idle.remove(c)) return c;
        }
        return null;
    }

    private void release(Conn c) {
        if (closed || idle.size() >= maxIdle) {
            c.close();
            return;
        }
        idle.push(c);
        if (closed && idle.remove(c)) c.close();
    }

    private Conn open(URI url, String origin) throws IOException {
        boolean tls = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            try {
                plain.connect(new InetSocketAddress(url.getHost(), port), (int) CONNECT.toMillis());
            } catch (java.net.SocketTimeoutException e) {
                throw new java.net.http.HttpConnectTimeoutException("no connection within " + CONNECT.toSeconds() + "s"); // as the JDK client says it
            }
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            if (!tls) return new Conn(origin, plain);
            SSLSocket s = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(plain, url.getHost(), port, true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            return new Conn(origin, s);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static String origin(URI u) {
        return u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getHost() + ":" + u.getPort();
    }

    private static String hostHeader(URI u) {
        String host = u.getHost().contains(":") ? "[" + u.getHost() + "]" : u.getHost();
        return u.getPort() > 0 ? host + ":" + u.getPort() : host;
    }

    @Override
    public void close() {
        closed = true;
        Conn c;
        while ((c = idle.poll()) != null) c.close();
    }
}
