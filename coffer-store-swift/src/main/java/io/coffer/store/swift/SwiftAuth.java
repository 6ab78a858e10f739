package io.coffer.store.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.coffer.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Obtains a storage URL and a token: tempauth/swauth (v1: {@code X-Auth-User}/{@code X-Auth-Key}
 * against {@code ST_AUTH}, as the {@code swift} CLI does) or Keystone v3 (password or application
 * credential, with the object-store endpoint taken from the service catalog). A token is obtained
 * again when the server answers 401. Secrets never appear in messages.
 */
abstract sealed class SwiftAuth {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A storage URL (ending in the account, e.g. {@code http://host/v1/AUTH_test}) and its token. */
    record Session(URI storageUrl, String token) {}

    private volatile Session session;

    abstract Session authenticate(HttpClient http) throws IOException, InterruptedException;

    /** Where the credentials go, for messages. */
    abstract String describe();

    /** The auth service's URL. */
    abstract URI url();

    Session session(HttpClient http) throws IOException {
        Session s = session;
        return s != null ? s : renew(http, null);
    }

    /** A new session, unless another thread renewed {@code stale} already. */
    synchronized Session renew(HttpClient http, Session stale) throws IOException {
        if (session != null && session != stale) return session;
        try {
            session = authenticate(http);
            return session;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while authenticating at " + describe());
        } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
            throw new StoreException(null, "cannot reach the Swift auth service " + describe() + ": " + e, true, e);
        }
    }

    /** From a named repository's settings, else the environment the swift and openstack CLIs read. */
    static SwiftAuth of(Map<String, String> settings, Map<String, String> env) {
        String v1 = first(settings.get("auth_url"), env.get("ST_AUTH"));
        String v3 = first(settings.get("os_auth_url"), env.get("OS_AUTH_URL"));
        if (v1 != null && (settings.containsKey("auth_url") || v3 == null)) {
            String user = first(settings.get("user"), env.get("ST_USER"));
            String key = first(settings.get("key"), env.get("ST_KEY"));
            if (user == null || key == null) throw new IllegalArgumentException("Swift v1 auth at " + v1 + " needs a user and a key (ST_USER and ST_KEY)");
            return new V1(URI.create(v1), user, key);
        }
        if (v3 != null) {
            return new V3(URI.create(v3.replaceAll("/+$", "")),
                    first(settings.get("os_username"), env.get("OS_USERNAME")),
                    first(settings.get("os_password"), env.get("OS_PASSWORD")),
                    first(settings.get("os_user_domain_name"), env.get("OS_USER_DOMAIN_NAME"), "Default"),
                    first(settings.get("os_project_name"), env.get("OS_PROJECT_NAME"), env.get("OS_TENANT_NAME")),
                    first(settings.get("os_project_domain_name"), env.get("OS_PROJECT_DOMAIN_NAME"), "Default"),
                    first(settings.get("os_application_credential_id"), env.get("OS_APPLICATION_CREDENTIAL_ID")),
                    first(settings.get("os_application_credential_secret"), env.get("OS_APPLICATION_CREDENTIAL_SECRET")),
                    first(settings.get("os_region_name"), env.get("OS_REGION_NAME")),
                    first(settings.get("os_interface"), env.get("OS_INTERFACE"), "public"));
        }
        throw new IllegalArgumentException("no Swift credentials: set ST_AUTH, ST_USER and ST_KEY (tempauth v1) "
                + "or OS_AUTH_URL with OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME or an application credential (Keystone v3)");
    }

    static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v.trim();
        return null;
    }

    static StoreException refused(String where, int status) {
        boolean retry = status >= 500 || status == 429;
        String why = status == 401 || status == 403 ? " (the credentials were refused: check the user and key)" : "";
        return new StoreException(null, "Swift authentication at " + where + " failed: HTTP " + status + why, retry);
    }

    static final class V1 extends SwiftAuth {
        private final URI url;
        private final String user;
        private final String key;

        V1(URI url, String user, String key) {
            this.url = url;
            this.user = user;
            this.key = key;
        }

        @Override
        URI url() {
            return url;
        }

        @Override
        String describe() {
            return url + " as " + user;
        }

        @Override
        Session authenticate(HttpClient http) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("X-Auth-User", user).header("X-Auth-Key", key).GET().build();
            HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 != 2) throw refused(describe(), r.statusCode());
            String storage = r.headers().firstValue("X-Storage-Url").orElse(null);
            String token = r.headers().firstValue("X-Auth-Token").or(() -> r.headers().firstValue("X-Storage-Token")).orElse(null);
            if (storage == null || token == null) throw new StoreException(null, "Swift v1 auth at " + url + " returned no storage URL or token", false);
            return new Session(URI.create(storage.replaceAll("/+$", "")), token);
        }
    }

    static final class V3 extends SwiftAuth {
        private final URI url;
        private final String user;
        private final String password;
        private final String userDomain;
        private final String project;
        private final String projectDomain;
        private final String appCredId;
        private final String appCredSecret;
        private final String region;
        private final String iface;

        V3(URI url, String user, String password, String userDomain, String project, String projectDomain,
                String appCredId, String appCredSecret, String region, String iface) {
            this.url = url;
            this.user = user;
            this.password = password;
            this.userDomain = userDomain;
            this.project = project;
            this.projectDomain = projectDomain;
            this.appCredId = appCredId;
            this.appCredSecret = appCredSecret;
            this.region = region;
            this.iface = iface;
            if (appCredId == null && (user == null || password == null || project == null)) {
                throw new IllegalArgumentException("Keystone v3 auth at " + url + " needs OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, "
                        + "or OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET");
            }
        }

        @Override
        URI url() {
            return url;
        }

        @Override
        String describe() {
            return url + " as " + (appCredId != null ? "application credential " + appCredId : user + " in project " + project);
        }

        String body() {
            ObjectNode auth = JSON.createObjectNode();
            ObjectNode identity = auth.putObject("auth").putObject("identity");
            if (appCredId != null) {
                identity.putArray("methods").add("application_credential");
                identity.putObject("application_credential").put("id", appCredId).put("secret", appCredSecret);
            } else {
                identity.putArray("methods").add("password");
                ObjectNode u = identity.putObject("password").putObject("user");
                u.put("name", user).put("password", password).putObject("domain").put("name", userDomain);
                ObjectNode p = ((ObjectNode) auth.get("auth")).putObject("scope").putObject("project");
                p.put("name", project).putObject("domain").put("name", projectDomain);
            }
            return auth.toString();
        }

        @Override
        Session authenticate(HttpClient http) throws IOException, InterruptedException {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + (url.getPath().endsWith("/v3") ? "" : "/v3") + "/auth/tokens"))
                    .timeout(TIMEOUT).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body())).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) throw refused(describe(), r.statusCode());
            String token = r.headers().firstValue("X-Subject-Token").orElseThrow(() ->
                    new StoreException(null, "Keystone at " + url + " returned no X-Subject-Token", false));
            return new Session(endpoint(JSON.readTree(r.body())), token);
        }

        URI endpoint(JsonNode tokenBody) throws StoreException {
            for (JsonNode svc : tokenBody.path("token").path("catalog")) {
                if (!svc.path("type").asText().equals("object-store")) continue;
                for (JsonNode ep : svc.path("endpoints")) {
                    if (!ep.path("interface").asText().equals(iface)) continue;
                    if (region != null && !region.equals(ep.path("region").asText(ep.path("region_id").asText()))) continue;
                    return URI.create(ep.path("url").asText().replaceAll("/+$", ""));
                }
            }
            throw new StoreException(null, "Keystone at " + url + " lists no " + iface + " object-store endpoint"
                    + (region == null ? "" : " in region " + region), false);
        }
    }
}
