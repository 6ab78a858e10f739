package io.coffer.store.s3;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.coffer.store.AbstractObjectStoreTest;
import io.coffer.store.ObjectStore;
import java.net.URI;
import java.util.Map;
import java.util.UUID;

/**
 * The object store contract against a real S3 server: OpenStack Swift's s3api, which
 * {@code scripts/swift-up.sh} starts on 127.0.0.1 ({@code scripts/test} exports its endpoint and
 * credentials as {@code S3_ENDPOINT}, {@code S3_ACCESS_KEY}, {@code S3_SECRET_KEY}). Without it the
 * tests are skipped on a workstation and fail in CI. Each test works under its own prefix.
 */
class S3ObjectStoreTest extends AbstractObjectStoreTest {
    static Map<String, String> serverSettings() {
        String endpoint = System.getenv("S3_ENDPOINT");
        if (endpoint == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("S3_ENDPOINT is not set: CI must run the S3 tests against the Swift that scripts/test starts");
        }
        assumeThat(endpoint).as("S3_ENDPOINT (start scripts/swift-up.sh)").isNotNull();
        return Map.of("endpoint", endpoint, "access_key_id", System.getenv("S3_ACCESS_KEY"),
                "secret_access_key", System.getenv("S3_SECRET_KEY"), "region", System.getenv().getOrDefault("S3_REGION", "us-east-1"));
    }

    @Override
    protected ObjectStore newStore() {
        URI loc = URI.create("s3://coffer-test/" + UUID.randomUUID());
        return S3ObjectStore.open(S3Settings.of(loc, serverSettings(), Map.of()));
    }
}
