package io.coffer.server.cinder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.service.CofferService;
import io.coffer.service.ServiceException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The OpenStack Block Storage (Cinder) v3 API over Coffer's own resources, on the server's
 * listener: the version document at {@code /} and {@code /v3}, and {@code /v3/{project}/…} (and
 * the project-less {@code /v3/…} of 3.67) for backups, volumes and snapshots, so that the
 * {@code cinder} and {@code openstack} clients drive Coffer unchanged. A Cinder volume is a Coffer
 * volume and a Cinder backup a Coffer backup, with the same ids. Bodies, fields, statuses and
 * error texts are Cinder's (see docs/api.md for what is implemented).
 *
 * <p>Authentication: the {@code noauth} scheme the client ships ({@code X-Auth-Token:
 * user:project}), accepted from the loopback interface only.
 */
public final class CinderApi {
    private static CinderFault tooLarge(int limit) {
        return new CinderFault(413, "Request is too large: at most " + limit + " bytes");
    }

    /** A project id in a URL, as Cinder accepts them: hexadecimal and dashes. */
    private static final Pattern PROJECT = Pattern.compile("[0-9a-f\\-]+");
    private static final Set<String> COLLECTIONS = Set.of("backups", "volumes", "snapshots", "limits", "os-availability-zone", "os-services");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CofferService svc;
    private final int maxBody;
    private final CinderBackups backups;
    private final CinderVolumes volumes;

    private final KeystoneTokens keystone;

    private CinderApi(CofferService svc, int maxBody, KeystoneTokens keystone) {
        this.svc = svc;
        this.maxBody = maxBody;
        this.keystone = keystone;
        this.backups = new CinderBackups(svc);
        this.volumes = new CinderVolumes(svc);
    }

    /**
     * Registers the facade's routes on {@code app}: bodies of at most {@code maxBody} bytes;
     * {@code keystone} validates tokens (null: noauth only).
     */
    public static void register(Javalin app, CofferService svc, int maxBody, KeystoneTokens keystone) {
        CinderApi api = new CinderApi(svc, maxBody, keystone);
        app.get("/", api::versions);
        for (HandlerType t : List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.DELETE)) {
            app.addHttpHandler(t, "/v3", api::handle);
            app.addHttpHandler(t, "/v3/<path>", api::handle);
        }
    }

    /** True for the paths this facade serves (the server's own token check leaves them to it). */
    public static boolean serves(String path) {
        return path.equals("/") || path.equals("/v3") || path.startsWith("/v3/");
    }

    private void versions(Context ctx) {
        ctx.status(300).json(Map.of("versions", List.of(version(base(ctx)))));
    }

    private static Map<String, Object> version(String base) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", "v3.0");
        v.put("status", "CURRENT");
        v.put("version", Microversion.MAX.toString());
        v.put("min_version", Microversion.MIN.toString());
        v.put("updated", "2023-08-31T00:00:00Z");
        v.put("links", List.of(Map.of("href", "https://docs.openstack.org/", "rel", "describedby", "type", "text/html"),
                Map.of("href", base + "/v3/", "rel", "self")));
        v.put("media-types", List.of(Map.of("base", "application/json", "type", "application/vnd.openstack.volume+json;version=3")));
        return v;
    }

    private void handle(Context ctx) {
        String requestId = "req-" + UUID.randomUUID();
        ctx.header("x-openstack-request-id", requestId);
        ctx.header("x-compute-request-id", requestId);
        Microversion version = Microversion.MIN;
        try {
            version = Microversion.of(ctx.header(Microversion.HEADER));
            answerVersion(ctx, version);
            String rest = ctx.path().length() <= 4 ? "" : ctx.path().substring(4);
            List<String> seg = Arrays.stream(rest.split("/")).filter(s -> !s.isEmpty()).toList();
            String project = null;
            if (!seg.isEmpty() && !COLLECTIONS.contains(seg.get(0)) && PROJECT.matcher(seg.get(0)).matches()) {
                project = seg.get(0);
                seg = seg.subList(1, seg.size());
            }
            if (seg.isEmpty()) {
                ctx.json(Map.of("versions", List.of(version(base(ctx)))));
                return;
            }
            KeystoneTokens.Identity who = authenticate(ctx, project);
            if (project == null && !version.atLeast(67)) {
                throw CinderFault.notFound("The resource could not be found.");
            }
            Request r = new Request(base(ctx), who.project(), who.user(), who.admin(), version);
            route(ctx, ctx.method().name(), seg, r);
        } catch (CinderFault f) {
            answerVersion(ctx, version);
            answer(ctx, f);
        } catch (ServiceException e) {
            answer(ctx, fault(e));
        } catch (IOException e) {
            answer(ctx, new CinderFault(500, "the server failed: " + e.getMessage()));
        }
    }

    private static void answer(Context ctx, CinderFault f) {
        ctx.attribute("coffer.error", true); // the server's own 404/405 pages stay out of it
        ctx.status(f.status).json(f.body());
    }

    private static void answerVersion(Context ctx, Microversion v) {
        ctx.header(Microversion.HEADER, "volume " + v);
        ctx.header("Vary", Microversion.HEADER);
    }

    /** Coffer's refusals in Cinder's terms: every refusal of a state is Cinder's 400. */
    static CinderFault fault(ServiceException e) {
        return new CinderFault(switch (e.code()) {
            case NOT_FOUND -> 404;
            case UNAUTHORIZED -> 401;
            case INTERNAL -> 500;
            case INSUFFICIENT_STORAGE -> 413;
            case INVALID_REQUEST, CONFLICT, UNPROCESSABLE -> 400;
        }, e.getMessage());
    }

    /**
     * Who sends a request: a Keystone token, validated by Keystone when one is configured, or a
     * {@code noauth} token ({@code USER:PROJECT}, an admin as in Cinder) from this host only.
     */
    private KeystoneTokens.Identity authenticate(Context ctx, String urlProject) {
        String token = ctx.header("X-Auth-Token");
        if (token == null || token.isBlank()) {
            throw new CinderFault(401, "The request you have made requires authentication: send a Keystone token as X-Auth-Token"
                    + (keystone == null ? " (none is configured here: keystone.url)" : "") + ", or USER:PROJECT from this host (the client's --os-auth-type noauth)");
        }
        KeystoneTokens.Identity who;
        if (token.indexOf(':') > 0 && loopback(ctx.req().getRemoteAddr())) {
            String project = token.substring(token.indexOf(':') + 1);
            if (project.isEmpty()) throw new CinderFault(401, "the noauth token names no project: send USER:PROJECT");
            who = new KeystoneTokens.Identity(token.substring(0, token.indexOf(':')), project, true, null);
        } else if (keystone != null) {
            who = keystone.validate(token);
        } else {
            throw new CinderFault(401, "The request you have made requires authentication: no Keystone is configured here (keystone.url),"
                    + " and noauth tokens (USER:PROJECT) are accepted from this host only");
        }
        if (urlProject != null && !urlProject.equals(who.project())) throw CinderFault.badRequest("Malformed request url");
        return who;
    }

    private static boolean loopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private static String base(Context ctx) {
        String host = ctx.header("Host");
        return ctx.scheme() + "://" + (host == null ? ctx.host() : host);
    }

    private void route(Context ctx, String method, List<String> seg, Request r) throws IOException {
        String kind = seg.get(0);
        String id = seg.size() > 1 ? seg.get(1) : null;
        String sub = seg.size() > 2 ? seg.get(2) : null;
        if (seg.size() > 3) throw CinderFault.notFound("The resource could not be found.");
        switch (kind) {
            case "backups" -> backups.route(ctx, method, id, sub, r, this::body);
            case "volumes", "snapshots" -> volumes.route(ctx, kind, method, id, sub, r, this::body);
            case "limits" -> ctx.json(Map.of("limits", Map.of("rate", List.of(), "absolute", limits())));
            case "os-availability-zone" -> ctx.json(Map.of("availabilityZoneInfo",
                    List.of(Map.of("zoneName", CinderViews.ZONE, "zoneState", Map.of("available", true)))));
            case "os-services" -> ctx.json(Map.of("services", services()));
            default -> throw CinderFault.notFound("The resource could not be found.");
        }
    }

    private Map<String, Object> limits() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("maxTotalVolumes", -1);
        a.put("maxTotalSnapshots", -1);
        a.put("maxTotalBackups", -1);
        a.put("maxTotalVolumeGigabytes", -1);
        a.put("maxTotalBackupGigabytes", -1);
        a.put("totalVolumesUsed", svc.volumes().size());
        a.put("totalSnapshotsUsed", svc.snapshots().size());
        a.put("totalBackupsUsed", svc.backups().size());
        a.put("totalGigabytesUsed", svc.volumes().stream().mapToLong(v -> CinderViews.gib(v.sizeBytes())).sum());
        a.put("totalBackupGigabytesUsed", svc.backups().stream().mapToLong(b -> CinderViews.gib(b.volumeSize())).sum());
        return a;
    }

    private List<Map<String, Object>> services() {
        String now = CinderViews.time(java.time.Instant.now());
        return List.of("cinder-backup", "cinder-volume", "cinder-scheduler").stream().map(binary -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("binary", binary);
            s.put("host", "coffer");
            s.put("zone", CinderViews.ZONE);
            s.put("status", "enabled");
            s.put("state", "up");
            s.put("updated_at", now);
            s.put("disabled_reason", null);
            return s;
        }).toList();
    }

    /**
     * The request body's object under {@code key} (null: the body itself); only {@code allowed}
     * keys (Cinder's schemas allow no others).
     */
    JsonNode body(Context ctx, String key, Set<String> allowed, boolean required) throws IOException {
        String text = ctx.attribute(BODY);
        if (text == null) {
            long declared = ctx.req().getContentLengthLong();
            if (declared > maxBody) throw tooLarge(maxBody);
            byte[] raw = ctx.req().getInputStream().readNBytes(maxBody + 1); // once: the stream is gone after
            if (raw.length > maxBody) throw tooLarge(maxBody);
            text = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
            ctx.attribute(BODY, text);
        }
        JsonNode root;
        try {
            root = text.isBlank() ? null : JSON.readTree(text);
        } catch (IOException e) {
            throw CinderFault.badRequest("Malformed request body");
        }
        JsonNode node = root == null || key == null ? root : root.get(key);
        if (key == null) key = "body";
        if (root == null || !root.isObject() || (node == null && required)) {
            throw CinderFault.badRequest("Invalid input for field/attribute " + key + ". Value: " + text.strip() + ". '" + key + "' is a required property");
        }
        if (node == null || node.isNull()) return JSON.createObjectNode();
        if (!node.isObject()) throw CinderFault.badRequest("Invalid input for field/attribute " + key + ". Value: " + node + ". " + node + " is not of type 'object'");
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw CinderFault.badRequest("Invalid input for field/attribute " + key + ". Value: " + node + ". Additional properties are not allowed ('" + f + "' was unexpected)");
            }
        }
        return node;
    }

    private static final String BODY = "cinder.body";

    /** Reads a request's body object. */
    interface BodyOf {
        JsonNode of(Context ctx, String key, Set<String> allowed, boolean required) throws IOException;
    }
}
