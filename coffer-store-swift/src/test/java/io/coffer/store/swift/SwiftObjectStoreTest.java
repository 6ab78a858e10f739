package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.coffer.store.AbstractObjectStoreTest;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectStore;
import io.coffer.store.StoreException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The object store contract against a real OpenStack Swift with tempauth, which
 * {@code scripts/swift-up.sh} starts on 127.0.0.1 ({@code scripts/test} exports
 * {@code SWIFT_AUTH_URL}, {@code SWIFT_USER}, {@code SWIFT_KEY}). Without it the tests are skipped
 * on a workstation and fail in CI. Each test works under its own prefix.
 */
class SwiftObjectStoreTest extends AbstractObjectStoreTest {
    static Map<String, String> serverSettings() {
        String auth = System.getenv("SWIFT_AUTH_URL");
        if (auth == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("SWIFT_AUTH_URL is not set: CI must run the Swift tests against the Swift that scripts/test starts");
        }
        assumeThat(auth).as("SWIFT_AUTH_URL (start scripts/swift-up.sh)").isNotNull();
        return Map.of("auth_url", auth, "user", System.getenv("SWIFT_USER"), "key", System.getenv("SWIFT_KEY"));
    }

    @Override
    protected ObjectStore newStore() {
        return SwiftStoreProvider.open(URI.create("swift://coffer-test/" + UUID.randomUUID()), serverSettings(), Map.of());
    }

    @Test
    void listingsContinueAcrossPages() throws Exception {
        // more names than one listing page holds (pages of 100 here; 10,000 in use)
        try (SwiftObjectStore s = new SwiftObjectStore(SwiftAuth.of(serverSettings(), Map.of()), "coffer-test", UUID.randomUUID() + "/", 8, java.time.Duration.ofSeconds(60), 100)) {
            int n = 250;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                String k = String.format("data/%06d", i);
                fs.add(pool.submit(() -> {
                    s.put(k, ByteBuffer.wrap(new byte[] {1}));
                    return null;
                }));
            }
            for (var f : fs) f.get();
            pool.shutdown();
            assertThat(s.list("data/")).hasSize(n).extracting(ObjectInfo::size).containsOnly(1L);
        }
    }

    @Test
    void wrongCredentialsFailFastNamingTheAuthService() {
        try (SwiftObjectStore s = SwiftStoreProvider.open(URI.create("swift://coffer-test/x"),
                Map.of("auth_url", serverSettings().get("auth_url"), "user", "test:tester", "key", "wrong-key"), Map.of())) {
            assertThatThrownBy(() -> s.get("config"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("credentials were refused")
                    .hasMessageContaining("test:tester")
                    .hasMessageNotContaining("wrong-key")
                    .satisfies(e -> assertThat(((StoreException) e).retryable()).isFalse());
        }
    }
}
