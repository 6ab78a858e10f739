package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The range reader against a scripted socket, for the faults a real Swift does not make on
 * demand (the conformance tests run it against a real one): bodies cut short or too long, and
 * keep-alive connections the server has closed.
 */
class RangeReaderTest {
    /** Answers each request on a connection with the next of {@code answers}; closes after {@code perConnection}. */
    private static final class Scripted implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();

        Scripted(int perConnection, byte[]... answers) throws IOException {
            server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            AtomicInteger next = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        connections.incrementAndGet();
                        for (int i = 0; i < perConnection; i++) {
                            requests.add(readRequest(in));
                            out.write(answers[next.getAndIncrement() % answers.length]);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // the next connection
                    }
                }
            });
        }

        URI url(String path) {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') break;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] answer(String head, byte[] body) {
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * seed + 1);
        return b;
    }

    @Test
    void aRangeLandsInItsPlaceOfTheCallersArrayOnAConnectionThatIsKept() throws Exception {
        byte[] body = bytes(5000, 7);
        byte[] a = answer("HTTP/1.1 206 Partial Content\r\nContent-Length: 5000\r\nContent-Range: bytes 10-5009/9000\r\n\r\n", body);
        try (Scripted s = new Scripted(3, a); RangeReader r = new RangeReader(Duration.ofSeconds(5), 4)) {
            for (int i = 0; i < 3; i++) {
                byte[] dst = new byte[6000];
                Arrays.fill(dst, (byte) 0x5a);
                RangeReader.Answer got = r.get(s.url("/v1/AUTH_t/c/p/o"), "tok", "bytes=10-5009", dst, 100, 5000);
                assertThat(got.status()).isEqualTo(206);
                assertThat(got.length()).isEqualTo(5000);
                assertThat(Arrays.copyOfRange(dst, 100, 5100)).isEqualTo(body);
                assertThat(dst[99]).isEqualTo((byte) 0x5a);
                assertThat(dst[5100]).isEqualTo((byte) 0x5a);
            }
            assertThat(s.connections.get()).as("one keep-alive connection").isEqualTo(1);
            assertThat(s.requests.get(0)).startsWith("GET /v1/AUTH_t/c/p/o HTTP/1.1\r\n").contains("X-Auth-Token: tok\r\n").contains("Range: bytes=10-5009\r\n");
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedAndTheRequestRepeated() throws Exception {
        byte[] a = answer("HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\n", bytes(10, 3));
        try (Scripted s = new Scripted(1, a); RangeReader r = new RangeReader(Duration.ofSeconds(5), 4)) {
            byte[] dst = new byte[10];
            for (int i = 0; i < 3; i++) assertThat(r.get(s.url("/o"), "t", "bytes=0-9", dst, 0, 10).length()).isEqualTo(10);
            assertThat(dst).isEqualTo(bytes(10, 3));
            assertThat(s.connections.get()).isEqualTo(3);
        }
    }

    @Test
    void aBodyCutShortOrLongerThanAskedIsAnErrorNotData() throws Exception {
        byte[] cut = answer("HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n\r\n", bytes(50, 5));
        try (Scripted s = new Scripted(1, cut); RangeReader r = new RangeReader(Duration.ofSeconds(5), 4)) {
            assertThatThrownBy(() -> r.get(s.url("/o"), "t", "bytes=0-99", new byte[100], 0, 100))
                    .isInstanceOf(IOException.class).hasMessageContaining("50 of 100");
        }
        byte[] tooLong = answer("HTTP/1.1 206 Partial Content\r\nContent-Length: 20\r\n\r\n", bytes(20, 5));
        try (Scripted s = new Scripted(1, tooLong); RangeReader r = new RangeReader(Duration.ofSeconds(5), 4)) {
            byte[] dst = new byte[10];
            assertThatThrownBy(() -> r.get(s.url("/o"), "t", "bytes=0-9", dst, 0, 10)).isInstanceOf(IOException.class).hasMessageContaining("20 bytes");
            assertThat(dst).containsOnly(0);
        }
    }

    @Test
    void otherAnswersComeBackWithTheirStatusAndBodyForTheCallerToJudge() throws Exception {
        byte[] notFound = answer("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", "Not Found".getBytes(StandardCharsets.US_ASCII));
        byte[] whole = answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (Scripted s = new Scripted(1, notFound, whole); RangeReader r = new RangeReader(Duration.ofSeconds(5), 4)) {
            RangeReader.Answer a = r.get(s.url("/o"), "t", "bytes=0-9", new byte[10], 0, 10);
            assertThat(a.status()).isEqualTo(404);
            assertThat(new String(a.body(), StandardCharsets.US_ASCII)).isEqualTo("Not Found");
            RangeReader.Answer b = r.get(s.url("/o"), "t", "bytes=0-9", new byte[10], 0, 10);
            assertThat(b.status()).isEqualTo(200);
            assertThat(b.body()).as("a body without a length is left to the caller").isNull();
        }
    }
}
