package io.coffer.server.cinder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keystone v3 tokens, validated as Cinder's keystonemiddleware validates them: {@code GET
 * /v3/auth/tokens} with the token as {@code X-Subject-Token}, authorized by a service token that
 * Coffer gets with its own configured credentials. A validation is kept until the token expires,
 * at most five minutes, so that a client's burst of calls costs Keystone one request.
 */
public final class KeystoneTokens {
    /** Who a token speaks for: the user, the project it is scoped to, and whether it holds the admin role. */
    record Identity(String user, String project, boolean admin, Instant until) {}

    /** The service's credentials: a user in a domain, scoped to a project. */
    public record Credentials(String url, String user, String password, String project, String domain) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KEEP = Duration.ofMinutes(5);

    private final Credentials creds;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Identity> known = new ConcurrentHashMap<>();
    private volatile String serviceToken;

    public KeystoneTokens(Credentials creds) {
        this.creds = creds;
    }

    private String base() {
        String u = creds.url().endsWith("/") ? creds.url().substring(0, creds.url().length() - 1) : creds.url();
        return u.endsWith("/v3") ? u : u + "/v3";
    }

    /** The identity of a token; a 401 fault when Keystone does not know it. */
    Identity validate(String token) {
        Identity id = known.get(token);
        if (id != null && Instant.now().isBefore(id.until())) return id;
        try {
            HttpResponse<String> r = check(token, service(false));
            if (r.statusCode() == 401 || r.statusCode() == 403) r = check(token, service(true)); // our token expired
            if (r.statusCode() == 404 || r.statusCode() == 401) throw new CinderFault(401, "The request you have made requires authentication: the token is not valid");
            if (r.statusCode() != 200) throw new CinderFault(503, "Keystone at " + base() + " answered " + r.statusCode() + " validating a token");
            JsonNode t = JSON.readTree(r.body()).path("token");
            if (t.path("project").path("id").isMissingNode()) throw new CinderFault(401, "the token is not scoped to a project");
            boolean admin = false;
            for (JsonNode role : t.path("roles")) admin |= role.path("name").asText().equals("admin");
            Instant expires = Instant.parse(t.path("expires_at").asText());
            Instant keep = Instant.now().plus(KEEP);
            id = new Identity(t.path("user").path("id").asText(), t.path("project").path("id").asText(), admin, expires.isBefore(keep) ? expires : keep);
            if (known.size() > 10_000) known.clear();
            known.put(token, id);
            return id;
        } catch (IOException e) {
            throw new CinderFault(503, "Keystone at " + base() + " cannot be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CinderFault(503, "interrupted while asking Keystone");
        }
    }

    private HttpResponse<String> check(String token, String service) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base() + "/auth/tokens")).timeout(Duration.ofSeconds(30))
                .header("X-Auth-Token", service).header("X-Subject-Token", token).GET().build();
        return send(req);
    }

    /** Sends once more when the connection drops: Keystone servers close idle connections the client's pool would reuse. */
    private HttpResponse<String> send(HttpRequest req) throws IOException, InterruptedException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException dropped) {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        }
    }

    /** Coffer's own token, asked for once and again when it expires. */
    private synchronized String service(boolean renew) throws IOException, InterruptedException {
        if (serviceToken != null && !renew) return serviceToken;
        var body = JSON.createObjectNode();
        var identity = body.putObject("auth").putObject("identity");
        identity.putArray("methods").add("password");
        var user = identity.putObject("password").putObject("user");
        user.put("name", creds.user());
        user.put("password", creds.password());
        user.putObject("domain").put("id", creds.domain());
        var project = body.with("auth").putObject("scope").putObject("project");
        project.put("name", creds.project());
        project.putObject("domain").put("id", creds.domain());
        HttpRequest req = HttpRequest.newBuilder(URI.create(base() + "/auth/tokens")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<String> r = send(req);
        String t = r.headers().firstValue("X-Subject-Token").orElse(null);
        if (r.statusCode() != 201 || t == null) {
            throw new CinderFault(503, "Coffer cannot authenticate to Keystone at " + base() + " as " + creds.user() + " (HTTP " + r.statusCode()
                    + "): check keystone.user, keystone.password and keystone.project");
        }
        serviceToken = t;
        return t;
    }
}
