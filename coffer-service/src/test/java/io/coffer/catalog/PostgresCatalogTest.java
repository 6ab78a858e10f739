package io.coffer.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The catalog on a real PostgreSQL server, the one {@code scripts/pg-up.sh} starts (its URL in
 * {@code COFFER_TEST_PG_URL}; {@code scripts/test} sets it). Without a server the tests are
 * skipped on a workstation and fail in CI.
 */
class PostgresCatalogTest extends AbstractCatalogTest {
    private String dbUrl;

    static String serverUrl() {
        String url = System.getenv("COFFER_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("COFFER_TEST_PG_URL is not set: CI must start PostgreSQL with scripts/pg-up.sh");
            }
            assumeThat(url).as("PostgreSQL for the tests (run scripts/pg-up.sh and set COFFER_TEST_PG_URL)").isNotBlank();
        }
        return url;
    }

    @Override
    Catalog openEmpty() throws Exception {
        String server = serverUrl();
        String db = "coffer_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(server); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        int q = server.indexOf('?');
        String base = q < 0 ? server : server.substring(0, q);
        String params = q < 0 ? "" : server.substring(q);
        dbUrl = base.substring(0, base.lastIndexOf('/') + 1) + db + params;
        return Catalog.open(dbUrl, null, null);
    }

    @Override
    Catalog reopen() {
        return Catalog.open(dbUrl, null, null);
    }

    @Test
    void theWriteLockIsOneForEveryNodeOfTheCatalog() throws Exception {
        try (Catalog otherNode = reopen()) {
            var got = new CountDownLatch(1);
            Thread t;
            try (Catalog.Held held = catalog.writeLock()) {
                t = new Thread(() -> {
                    try (Catalog.Held h = otherNode.writeLock()) {
                        got.countDown();
                    }
                });
                t.start();
                assertThat(got.await(700, TimeUnit.MILLISECONDS)).as("the other node waits").isFalse();
            }
            assertThat(got.await(10, TimeUnit.SECONDS)).as("and takes it once it is free").isTrue();
            t.join();
        }
    }
}
