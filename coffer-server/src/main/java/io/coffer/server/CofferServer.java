package io.coffer.server;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Volume;
import io.coffer.catalog.CatalogException;
import io.coffer.server.cinder.CinderApi;
import io.coffer.server.cinder.KeystoneTokens;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import io.coffer.service.ServiceException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: the REST API under {@code /api/v1}. Long operations answer 202 with the
 * resource (and its job), whose status and progress the caller polls.
 */
public final class CofferServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CofferServer.class);
    static final String API = "/api/v1";
    /** The largest request body read, whatever its transfer encoding. */
    static final int MAX_BODY = 1 << 20;

    private final CofferService svc;
    private final String token;
    private final String metricsToken;
    private final Metrics metrics;
    private final Javalin app;

    private final KeystoneTokens keystone;

    private CofferServer(CofferService svc, String token, KeystoneTokens keystone, String metricsToken) {
        this.svc = svc;
        this.token = token;
        this.keystone = keystone;
        this.metricsToken = metricsToken;
        this.metrics = new Metrics(svc);
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            cfg.http.maxRequestSize = MAX_BODY;
            cfg.router.ignoreTrailingSlashes = true;
        });
        routes();
    }

    /**
     * Starts listening.
     *
     * @param token the API token every request but {@code /health} must carry, or null for none
     */
    public static CofferServer start(CofferService svc, String host, int port, String token) {
        return start(svc, host, port, token, null);
    }

    /** The same, with Keystone validating the Cinder API's tokens (null: noauth from this host only). */
    public static CofferServer start(CofferService svc, String host, int port, String token, KeystoneTokens keystone) {
        return start(svc, host, port, token, keystone, null);
    }

    /** The same, with a read-only token that opens {@code /metrics} only (null: none; the API token opens it too). */
    public static CofferServer start(CofferService svc, String host, int port, String token, KeystoneTokens keystone, String metricsToken) {
        CofferServer s = new CofferServer(svc, token, keystone, metricsToken);
        s.app.start(host, port);
        return s;
    }

    public int port() {
        return app.port();
    }

    private void routes() {
        app.before(ctx -> ctx.attribute("coffer.start", System.nanoTime()));
        app.before(this::authenticate);
        app.after(ctx -> {
            Long t0 = ctx.attribute("coffer.start");
            if (t0 != null) metrics.request(ctx, t0);
        });
        app.get("/metrics", metrics::scrape);
        Dashboard.register(app, svc); // before the Cinder facade: a browser's GET / is the page
        CinderApi.register(app, svc, MAX_BODY, keystone);
        app.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
        app.get(API, ctx -> ctx.json(Map.of("version", "v1", "resources", List.of("volumes", "snapshots", "backups", "instances", "jobs", "schedules", "overview", "usage"), "openapi", API + "/openapi.yaml")));
        app.get(API + "/openapi.yaml", this::openapi);
        ScheduleApi.register(app, svc, CofferServer::body);

        app.get(API + "/volumes", ctx -> ctx.json(Map.of("volumes", svc.volumes().stream().map(Views::volume).toList())));
        app.post(API + "/volumes", ctx -> {
            var b = Json.parse(body(ctx), Bodies.CreateVolume.class);
            var v = svc.createVolume(new Requests.CreateVolume(b.name(), b.size(), b.driver(), b.labels(), b.snapshotId()));
            ctx.status(v.status() == io.coffer.catalog.Volume.Status.AVAILABLE ? 201 : 202).json(Map.of("volume", Views.volume(v)));
        });
        app.get(API + "/volumes/{id}", ctx -> ctx.json(Map.of("volume", Views.volume(svc.volume(ctx.pathParam("id"))))));
        app.delete(API + "/volumes/{id}", ctx -> {
            svc.deleteVolume(ctx.pathParam("id"), bool(ctx, "cascade"));
            ctx.status(204);
        });
        app.post(API + "/volumes/{id}/attach", ctx -> {
            var b = Json.parse(body(ctx), Bodies.Attach.class);
            ctx.json(Map.of("volume", Views.volume(svc.attach(ctx.pathParam("id"), b.instance()))));
        });
        app.post(API + "/volumes/{id}/detach", ctx -> ctx.json(Map.of("volume", Views.volume(svc.detach(ctx.pathParam("id"))))));
        app.put(API + "/volumes/{id}", ctx -> {
            var b = Json.parse(body(ctx), Bodies.UpdateVolume.class);
            ctx.json(Map.of("volume", Views.volume(svc.updateVolume(ctx.pathParam("id"), b.name(), b.labels()))));
        });
        app.post(API + "/volumes/{id}/extend", ctx -> {
            var b = Json.parse(body(ctx), Bodies.ExtendVolume.class);
            if (b.size() == null) throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "give the new size, as {\"size\": \"20GiB\"}");
            ctx.json(Map.of("volume", Views.volume(svc.extendVolume(ctx.pathParam("id"), b.size()))));
        });
        app.post(API + "/volumes/{id}/reset-status", ctx -> {
            var b = Json.parse(body(ctx), Bodies.ResetStatus.class);
            Volume.Status to = switch (b.status() == null ? "" : b.status()) {
                case "available" -> Volume.Status.AVAILABLE;
                case "error" -> Volume.Status.ERROR;
                default -> throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "status must be available or error, not '" + b.status() + "'");
            };
            ctx.json(Map.of("volume", Views.volume(svc.resetVolumeStatus(ctx.pathParam("id"), to))));
        });

        app.get(API + "/snapshots", ctx -> {
            String volume = ctx.queryParam("volume_id");
            var list = svc.snapshots().stream().filter(s -> volume == null || s.volumeId().equals(volume)).map(s -> Views.snapshot(s, svc)).toList();
            ctx.json(Map.of("snapshots", list));
        });
        app.post(API + "/snapshots", ctx -> {
            var b = Json.parse(body(ctx), Bodies.CreateSnapshot.class);
            var s = svc.createSnapshot(new Requests.CreateSnapshot(b.volumeId(), b.name(), b.labels(), b.consistency()));
            ctx.status(202).json(Map.of("snapshot", Views.snapshot(s, svc)));
        });
        app.get(API + "/snapshots/{id}", ctx -> ctx.json(Map.of("snapshot", Views.snapshot(svc.snapshot(ctx.pathParam("id")), svc))));
        app.delete(API + "/snapshots/{id}", ctx -> {
            svc.deleteSnapshot(ctx.pathParam("id"));
            ctx.status(204);
        });

        app.get(API + "/backups", this::listBackups);
        app.post(API + "/backups", ctx -> {
            var b = Json.parse(body(ctx), Bodies.CreateBackup.class);
            var backup = svc.createBackup(new Requests.CreateBackup(b.volumeId(), b.snapshotId(), b.repository(), b.container(), b.name(),
                    b.description(), Boolean.TRUE.equals(b.incremental()), Boolean.TRUE.equals(b.force()), b.metadata(),
                    ScheduleApi.expiry(b.retentionDays(), b.expiresAt())));
            ctx.status(202).json(Map.of("backup", Views.backup(backup, svc)));
        });
        app.post(API + "/backups/import", ctx -> {
            var b = Json.parse(body(ctx), Bodies.ImportBackups.class);
            var r = svc.importBackups(b.repository(), b.container());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("repository", r.repository());
            out.put("container", r.container());
            out.put("imported", r.imported().stream().map(x -> Views.backup(x, svc)).toList());
            out.put("skipped", r.skipped().stream().map(Views::skipped).toList());
            ctx.json(Map.of("import", out));
        });
        app.get(API + "/backups/{id}", ctx -> ctx.json(Map.of("backup", Views.backup(svc.backup(ctx.pathParam("id")), svc))));
        app.put(API + "/backups/{id}", ctx -> {
            var b = Json.parse(body(ctx), Bodies.UpdateBackup.class);
            var updated = svc.updateBackup(ctx.pathParam("id"), b.name(), b.description(), b.metadata());
            if (b.expiresAt() != null) updated = svc.setExpiry(updated.id(), b.expiresAt().isBlank() ? null : ScheduleApi.instant("expires_at", b.expiresAt()));
            ctx.json(Map.of("backup", Views.backup(updated, svc)));
        });
        app.post(API + "/backups/{id}/reset-status", ctx -> {
            var b = Json.parse(body(ctx), Bodies.ResetStatus.class);
            Backup.Status to = switch (b.status() == null ? "" : b.status()) {
                case "available" -> Backup.Status.AVAILABLE;
                case "error" -> Backup.Status.ERROR;
                default -> throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "status must be available or error, not '" + b.status() + "'");
            };
            ctx.json(Map.of("backup", Views.backup(svc.resetBackupStatus(ctx.pathParam("id"), to), svc)));
        });
        app.delete(API + "/backups/{id}", ctx -> {
            boolean cascade = bool(ctx, "cascade");
            var job = svc.deleteBackup(ctx.pathParam("id"), cascade);
            ctx.status(202).json(Map.of("job", Views.job(job)));
        });
        app.post(API + "/backups/{id}/restore", ctx -> {
            var b = Json.parse(body(ctx), Bodies.Restore.class);
            var r = svc.restore(ctx.pathParam("id"), new Requests.Restore(b.volumeId(), b.name()));
            Map<String, Object> restore = new LinkedHashMap<>();
            restore.put("backup_id", r.backupId());
            restore.put("volume_id", r.volumeId());
            restore.put("volume_name", r.volumeName());
            restore.put("job_id", r.jobId());
            ctx.status(202).json(Map.of("restore", restore));
        });

        // The DBaaS instance API: under /api/v1 and, for the workflow's clients, at the root.
        for (String base : List.of(API + "/instances", "/instances")) {
            app.get(base, ctx -> ctx.json(Map.of("instances", svc.instances().stream().map(i -> Views.instance(i, svc)).toList())));
            app.post(base, ctx -> {
                var b = Json.parse(body(ctx), Bodies.RegisterInstance.class);
                var i = svc.registerInstance(new Requests.RegisterInstance(b.name(), b.engine(), b.volumeId(), b.dataSubdir(), b.host(), b.port(),
                        b.socketDir(), b.user(), b.passwordRef(), b.labels()));
                ctx.status(201).json(Map.of("instance", Views.instance(i, svc)));
            });
            app.get(base + "/{name}", ctx -> ctx.json(Map.of("instance", Views.instance(svc.instance(ctx.pathParam("name")), svc))));
            app.delete(base + "/{name}", ctx -> {
                svc.unregisterInstance(ctx.pathParam("name"));
                ctx.status(204);
            });
            app.post(base + "/{name}/backup", ctx -> {
                var b = Json.parse(body(ctx), Bodies.InstanceBackup.class);
                var backup = svc.backupInstance(ctx.pathParam("name"), new Requests.InstanceBackup(b.backupName(), b.retentionDays(),
                        Boolean.TRUE.equals(b.incremental()), b.repository(), b.container(), b.consistency(), b.createdBy()));
                ctx.status(202).json(Map.of("backup", Views.backup(backup, svc)));
            });
            app.get(base + "/{name}/backups", ctx -> ctx.json(Map.of("backups",
                    svc.instanceBackups(ctx.pathParam("name")).stream().map(x -> Views.backup(x, svc)).toList())));
            app.get(base + "/{name}/backups/{backup}", ctx -> ctx.json(Map.of("backup",
                    Views.backup(svc.instanceBackup(ctx.pathParam("name"), ctx.pathParam("backup")), svc))));
            app.delete(base + "/{name}/backups/{backup}", ctx -> {
                var backup = svc.instanceBackup(ctx.pathParam("name"), ctx.pathParam("backup"));
                ctx.status(202).json(Map.of("job", Views.job(svc.deleteBackup(backup.id(), bool(ctx, "cascade")))));
            });
            app.post(base + "/{name}/restore", ctx -> {
                var b = Json.parse(body(ctx), Bodies.InstanceRestore.class);
                var r = svc.restoreInstance(ctx.pathParam("name"), new Requests.InstanceRestore(b.backup(), b.name()));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("instance_id", r.instanceId());
                out.put("instance_name", r.instanceName());
                out.put("backup_id", r.backupId());
                out.put("volume_id", r.volumeId());
                out.put("volume_name", r.volumeName());
                out.put("job_id", r.jobId());
                ctx.status(202).json(Map.of("restore", out));
            });
        }
        app.post(API + "/backups/{id}/verify", ctx -> {
            var b = Json.parse(body(ctx), Bodies.Verify.class);
            ctx.status(202).json(Map.of("job", Views.job(svc.verifyBackup(ctx.pathParam("id"), new Requests.Verify(b.query(), b.database())))));
        });

        app.get(API + "/jobs", ctx -> ctx.json(Map.of("jobs", svc.jobs().stream().map(svc::current).map(Views::job).toList())));
        app.get(API + "/jobs/{id}", ctx -> ctx.json(Map.of("job", Views.job(svc.current(svc.job(ctx.pathParam("id")))))));
        app.post(API + "/jobs/{id}/cancel", ctx -> ctx.status(202).json(Map.of("job", Views.job(svc.cancel(ctx.pathParam("id"))))));

        app.exception(ServiceException.class, (e, ctx) -> error(ctx, e.code().status, e.code().id(), e.getMessage()));
        app.exception(BodyTooLarge.class, (e, ctx) -> {
            error(ctx, 413, "too_large", "the request body is larger than 1 MiB");
            ctx.header("Connection", "close"); // the rest of the body is not read
        });
        app.exception(CatalogException.class, (e, ctx) -> {
            LOG.error("catalog failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 503, "catalog_unavailable", e.getMessage());
        });
        app.exception(IOException.class, (e, ctx) -> {
            LOG.error("I/O failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "io_error", e.getMessage());
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal", "internal error (" + e.getClass().getSimpleName() + "); the server log has details");
        });
        app.error(404, ctx -> {
            if (ctx.attribute("coffer.error") == null) error(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path());
        });
        app.error(405, ctx -> {
            if (ctx.attribute("coffer.error") == null) error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
        });
        app.error(413, ctx -> {
            if (ctx.attribute("coffer.error") == null) error(ctx, 413, "too_large", "the request body is larger than 1 MiB");
        });
    }

    private void listBackups(Context ctx) {
        String volume = ctx.queryParam("volume_id");
        String status = ctx.queryParam("status");
        String name = ctx.queryParam("name");
        Stream<Backup> s = svc.backups().stream()
                .filter(b -> volume == null || b.volumeId().equals(volume) || b.volumeName().equals(volume))
                .filter(b -> status == null || b.status().id.equals(status))
                .filter(b -> name == null || name.equals(b.name()));
        ctx.json(Map.of("backups", s.map(b -> Views.backup(b, svc)).toList()));
    }

    private void openapi(Context ctx) throws IOException {
        try (InputStream in = CofferServer.class.getResourceAsStream("/coffer/openapi.yaml")) {
            if (in == null) throw new IOException("openapi.yaml is missing from the build");
            ctx.contentType("application/yaml").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void authenticate(Context ctx) {
        if (ctx.path().equals("/health") || Dashboard.open(ctx.path()) || CinderApi.serves(ctx.path())) return; // the Cinder API checks its own
        String given = ctx.header("X-Auth-Token");
        String auth = ctx.header("Authorization");
        if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) given = auth.substring(7).trim();
        if (ctx.path().equals("/metrics") && metricsToken != null && given != null && same(given, metricsToken)) return;
        if (token == null) return;
        if (given == null || !same(given, token)) {
            ctx.attribute("coffer.error", true);
            throw new ServiceException(ServiceException.Code.UNAUTHORIZED,
                    given == null ? "this server requires an API token: send 'Authorization: Bearer TOKEN' (the CLI reads COFFER_TOKEN)" : "the API token is wrong");
        }
    }

    private static boolean same(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean bool(Context ctx, String param) {
        String v = ctx.queryParam(param);
        if (v == null) return false;
        if (v.equalsIgnoreCase("true") || v.equals("1")) return true;
        if (v.equalsIgnoreCase("false") || v.equals("0")) return false;
        throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "query parameter '" + param + "' must be true or false, not '" + v + "'");
    }

    /** A request body over {@link #MAX_BODY}: 413. */
    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super(null, null, false, false);
        }
    }

    /**
     * The request body, read at most {@link #MAX_BODY} bytes far. Jetty enforces the limit on a
     * declared Content-Length only; a chunked body is read here as it comes and refused at the
     * first byte over, so that no body can fill the heap (four parallel 80 MB chunked POSTs did).
     */
    private static String body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > MAX_BODY) throw new BodyTooLarge();
        byte[] b = ctx.req().getInputStream().readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) throw new BodyTooLarge();
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.attribute("coffer.error", true);
        ctx.status(status).json(Map.of("error", Map.of("code", code, "message", message == null ? code : message)));
    }

    @Override
    public void close() {
        app.stop();
    }

}
