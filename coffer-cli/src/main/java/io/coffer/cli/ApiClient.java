package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A small client of the server's REST API: JSON in and out, errors turned into {@link ApiException}s. */
final class ApiClient {
    static final String DEFAULT_URL = "http://127.0.0.1:8176";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ApiClient(String url, String token) {
        String u = url != null ? url : System.getenv("COFFER_URL");
        if (u == null || u.isBlank()) u = DEFAULT_URL;
        this.base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        String t = token != null ? token : System.getenv("COFFER_TOKEN");
        this.token = t == null || t.isBlank() ? null : t.trim();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, Object body) {
        URI uri;
        try {
            uri = URI.create(base + "/api/v1" + path);
        } catch (IllegalArgumentException e) {
            throw new ApiException(ExitCodes.USAGE, "server URL '" + base + "' is not a URL: " + e.getMessage());
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).header("Accept", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        try {
            if (body != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode n = r.body().length == 0 ? JSON.createObjectNode() : parse(r.body());
            if (r.statusCode() >= 400) {
                String msg = n.path("error").path("message").asText(null);
                if (msg == null) msg = "HTTP " + r.statusCode() + " from " + uri;
                throw new ApiException(ApiException.exitCodeOf(r.statusCode()), msg);
            }
            return n;
        } catch (ConnectException e) {
            throw new ApiException(ExitCodes.ERROR, "cannot reach the Coffer server at " + base
                    + " (connection refused): start it with 'coffer server', or point --server / COFFER_URL at it");
        } catch (IOException e) {
            throw new ApiException(ExitCodes.ERROR, "request to the Coffer server at " + base + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ExitCodes.ERROR, "interrupted");
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("raw", new String(body, StandardCharsets.UTF_8));
        }
    }
}
