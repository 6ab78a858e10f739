package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The store speaks TLS exactly where a URL says https: a socket that answers nothing records the
 * first byte the store sends it (0x16 opens a TLS handshake, 'G' a plain GET).
 */
class SwiftTlsRoutingTest {
    @Test
    void anHttpsAuthUrlIsReachedOverTlsAndAnHttpOneWithout() throws Exception {
        assertThat(firstByteSent("https")).isEqualTo(0x16);
        assertThat(firstByteSent("http")).isEqualTo('G');
    }

    private static int firstByteSent(String scheme) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> first = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) { // every connection (a client may try twice) is closed after its first byte
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        first.complete(in.read());
                    } catch (java.io.IOException e) {
                        first.complete(-2);
                    }
                }
            });
            String url = scheme + "://127.0.0.1:" + server.getLocalPort() + "/auth/v1.0";
            try (SwiftObjectStore store = new SwiftObjectStore(SwiftAuth.of(Map.of("auth_url", url, "user", "u:u", "key", "k"), Map.of()),
                    "c", "p/", 2, Duration.ofSeconds(5))) {
                assertThatThrownBy(store::currentToken).isInstanceOf(java.io.IOException.class);
            }
            return first.get();
        }
    }
}
