package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.store.AbstractObjectStoreTest;
import io.coffer.store.ObjectStore;
import io.coffer.store.StoreException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The object store contract through Keystone v3: a real Keystone (Debian's, started by
 * {@code scripts/keystone-up.sh}) issuing tokens for a second proxy of the test Swift that checks
 * them with authtoken + keystoneauth, the object-store endpoint taken from the token's catalog.
 * Password auth runs the whole contract; an application credential, refused credentials and a
 * token revoked in the middle of use are checked on their own. Skipped without Keystone on a
 * workstation, a failure in CI.
 */
class SwiftKeystoneTest extends AbstractObjectStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(name + " is not set: CI must run the Keystone tests against scripts/keystone-up.sh");
        }
        assumeThat(v).as(name + " (start scripts/keystone-up.sh)").isNotNull();
        return v;
    }

    static Map<String, String> passwordSettings() {
        Map<String, String> s = new HashMap<>();
        s.put("os_auth_url", env("KEYSTONE_AUTH_URL"));
        s.put("os_username", env("KEYSTONE_USERNAME"));
        s.put("os_password", env("KEYSTONE_PASSWORD"));
        s.put("os_project_name", env("KEYSTONE_PROJECT_NAME"));
        s.put("os_region_name", "RegionOne");
        return s;
    }

    @Override
    protected ObjectStore newStore() {
        return SwiftStoreProvider.open(URI.create("swift://coffer-keystone/" + UUID.randomUUID()), passwordSettings(), Map.of());
    }

    @Test
    void theEndpointComesFromTheCatalogOfTheProject() throws Exception {
        // the catalog's URL template filled with the project's id: the Keystone proxy, not tempauth's
        var session = SwiftAuth.of(passwordSettings(), Map.of()).session(HttpClient.newHttpClient());
        assertThat(session.storageUrl().toString().replaceAll("/+$", "")).isEqualTo(env("KEYSTONE_SWIFT_URL"));
    }

    @Test
    void anApplicationCredentialWorksWithoutUserOrProject() throws Exception {
        String prefix = UUID.randomUUID().toString();
        try (SwiftObjectStore withPassword = SwiftStoreProvider.open(URI.create("swift://coffer-keystone/" + prefix), passwordSettings(), Map.of())) {
            withPassword.put("data/one", ByteBuffer.wrap("written with a password".getBytes(StandardCharsets.UTF_8)));
        }
        Map<String, String> env = Map.of(
                "OS_AUTH_URL", env("KEYSTONE_AUTH_URL"),
                "OS_APPLICATION_CREDENTIAL_ID", env("KEYSTONE_APP_CRED_ID"),
                "OS_APPLICATION_CREDENTIAL_SECRET", env("KEYSTONE_APP_CRED_SECRET"));
        try (SwiftObjectStore s = SwiftStoreProvider.open(URI.create("swift://coffer-keystone/" + prefix), Map.of(), env)) {
            assertThat(new String(s.get("data/one"), StandardCharsets.UTF_8)).isEqualTo("written with a password");
            s.put("data/two", ByteBuffer.wrap(new byte[] {2}));
            assertThat(s.list("data/")).hasSize(2);
        }
    }

    @Test
    void refusedCredentialsFailFastNamingKeystoneAndTheUserButNotThePassword() {
        Map<String, String> wrong = new HashMap<>(passwordSettings());
        wrong.put("os_password", "not-the-password");
        try (SwiftObjectStore s = SwiftStoreProvider.open(URI.create("swift://coffer-keystone/x"), wrong, Map.of())) {
            assertThatThrownBy(() -> s.get("config"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(env("KEYSTONE_AUTH_URL"))
                    .hasMessageContaining("coffer")
                    .hasMessageContaining("refused")
                    .hasMessageNotContaining("not-the-password")
                    .satisfies(e -> assertThat(((StoreException) e).retryable()).isFalse());
        }
        Map<String, String> badCred = Map.of(
                "OS_AUTH_URL", env("KEYSTONE_AUTH_URL"),
                "OS_APPLICATION_CREDENTIAL_ID", env("KEYSTONE_APP_CRED_ID"),
                "OS_APPLICATION_CREDENTIAL_SECRET", "not-the-secret");
        try (SwiftObjectStore s = SwiftStoreProvider.open(URI.create("swift://coffer-keystone/x"), Map.of(), badCred)) {
            assertThatThrownBy(() -> s.get("config"))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("refused")
                    .hasMessageNotContaining("not-the-secret");
        }
    }

    @Test
    void aTokenRevokedWhileInUseIsRenewedOnTheNext401() throws Exception {
        String prefix = UUID.randomUUID().toString();
        try (SwiftObjectStore s = SwiftStoreProvider.open(URI.create("swift://coffer-keystone/" + prefix), passwordSettings(), Map.of())) {
            s.put("data/before", ByteBuffer.wrap(new byte[] {1}));
            String revoked = s.currentToken();
            // Disabling a user revokes every token issued to it; enabling it again lets it sign in.
            Admin admin = new Admin();
            admin.setUserEnabled(env("KEYSTONE_USERNAME"), false);
            admin.setUserEnabled(env("KEYSTONE_USERNAME"), true);
            assertThat(admin.tokenIsValid(revoked)).as("the old token is revoked").isFalse();
            Thread.sleep(1100); // a token issued in the second of the revocation counts as revoked

            byte[] one = new byte[1];
            assertThat(s.read("data/before", 0, one, 0, 1)).as("a range read renews the token").isEqualTo(1);
            assertThat(one).containsExactly(1);
            assertThat(s.get("data/before")).containsExactly(1);
            s.put("data/after", ByteBuffer.wrap(new byte[] {2}));
            assertThat(s.currentToken()).as("a new token was obtained").isNotEqualTo(revoked);
            assertThat(admin.tokenIsValid(s.currentToken())).isTrue();
        }
    }

    /** Keystone's admin API, for the revocation test. */
    static final class Admin {
        final HttpClient http = HttpClient.newHttpClient();
        final String base = env("KEYSTONE_AUTH_URL").replaceAll("/+$", "");
        final String token;

        Admin() throws Exception {
            String body = "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"" + env("KEYSTONE_ADMIN_USERNAME")
                    + "\",\"domain\":{\"id\":\"default\"},\"password\":\"" + env("KEYSTONE_ADMIN_PASSWORD")
                    + "\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"id\":\"default\"}}}}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/auth/tokens"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            token = r.headers().firstValue("X-Subject-Token").orElseThrow();
        }

        void setUserEnabled(String name, boolean enabled) throws Exception {
            HttpResponse<String> users = http.send(HttpRequest.newBuilder(URI.create(base + "/users?name=" + name))
                    .header("X-Auth-Token", token).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode user = JSON.readTree(users.body()).path("users").get(0);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/users/" + user.path("id").asText()))
                    .header("X-Auth-Token", token).header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"user\":{\"enabled\":" + enabled + "}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }

        boolean tokenIsValid(String subject) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/auth/tokens"))
                    .header("X-Auth-Token", token).header("X-Subject-Token", subject).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        }
    }
}
