package io.coffer.store.s3;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Fault injection (a fake server, as the engineering standards allow for faults): an S3 endpoint
 * that answers {@code 100 Continue} and then nothing. Every request must end in a timeout, not
 * hang a backup forever.
 */
class S3StallTest {
    /** Accepts connections, reads each request's head, answers 100 Continue, and then stays silent. */
    static final class StallingServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0);
        final List<Socket> held = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        StallingServer() throws IOException {
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        held.add(s);
                        Thread.ofVirtual().start(() -> stall(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private static void stall(Socket s) {
            try {
                InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // the end of the request's head
                    int c = in.read();
                    if (c < 0) return;
                    matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.transferTo(OutputStream.nullOutputStream()); // take the body, answer nothing
            } catch (IOException gone) {
                // the client gave up: that is the point
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : held) s.close();
        }
    }

    @Test
    void aServerThatStopsAnsweringAfter100ContinueTimesOut() throws Exception {
        try (StallingServer server = new StallingServer()) {
            Map<String, String> settings = Map.of("endpoint", "http://127.0.0.1:" + server.port(), "access_key_id", "k",
                    "secret_access_key", "s", "timeout", "1s");
            try (S3ObjectStore store = S3ObjectStore.open(S3Settings.of(URI.create("s3://stall-test/p"), settings, Map.of()))) {
                // each request gives up after its 1 s socket timeout (the attempt timeout is 5 s); the
                // bound only says that none of them hangs
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    assertThatThrownBy(() -> store.put("data/ab", ByteBuffer.wrap(new byte[256 << 10]))).isInstanceOf(IOException.class);
                    assertThatThrownBy(() -> store.get("data/ab")).isInstanceOf(IOException.class);
                    assertThatThrownBy(() -> store.list("data/")).isInstanceOf(IOException.class);
                });
            }
        }
    }
}
