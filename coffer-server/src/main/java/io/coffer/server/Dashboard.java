package io.coffer.server;

import io.coffer.catalog.UsageSample;
import io.coffer.service.CofferService;
import io.coffer.service.ServiceException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web dashboard: a page of plain HTML, CSS and JavaScript from the jar (nothing from
 * elsewhere: the Content-Security-Policy allows this server alone), served at {@code /} to
 * browsers (the Cinder facade keeps answering {@code GET /} to its clients, which do not ask for
 * HTML) and at {@code /ui}. The page holds no data: it calls the same {@code /api/v1} as the CLI,
 * with the API token in a header (kept in the tab's session storage, never in a URL or a
 * cookie, so there is no ambient credential to forge requests with). Two read-only endpoints
 * serve it: {@code /api/v1/overview} and {@code /api/v1/usage}.
 */
final class Dashboard {
    /** The page's files, under {@code /coffer/ui/} in the jar. */
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "icon.svg", "image/svg+xml");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final CofferService svc;
    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Map<String, String> etags = new LinkedHashMap<>();

    private Dashboard(CofferService svc) throws IOException {
        this.svc = svc;
        for (String name : ASSETS.keySet()) {
            try (InputStream in = Dashboard.class.getResourceAsStream("/coffer/ui/" + name)) {
                if (in == null) throw new IOException("the dashboard's " + name + " is missing from the build");
                byte[] b = in.readAllBytes();
                files.put(name, b);
                etags.put(name, "\"" + sha256(b).substring(0, 16) + "\"");
            }
        }
    }

    static void register(Javalin app, CofferService svc) {
        Dashboard d;
        try {
            d = new Dashboard(svc);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        app.before("/", ctx -> {
            if (wantsHtml(ctx)) {
                d.asset(ctx, "index.html");
                ctx.skipRemainingHandlers();
            }
        });
        app.get("/ui", ctx -> d.asset(ctx, "index.html"));
        app.get("/ui/{file}", ctx -> d.asset(ctx, ctx.pathParam("file")));
        app.get(CofferServer.API + "/overview", ctx -> ctx.json(Map.of("overview", Overview.of(svc, Instant.now()))));
        app.get(CofferServer.API + "/usage", d::usage);
    }

    /** True for the paths anyone may load: the page itself holds no data. */
    static boolean open(String path) {
        return path.equals("/ui") || path.startsWith("/ui/");
    }

    /** A browser asks for HTML; the OpenStack clients ask for JSON. */
    static boolean wantsHtml(Context ctx) {
        String accept = ctx.header("Accept");
        return ctx.method().name().equals("GET") && accept != null && accept.contains("text/html");
    }

    private void asset(Context ctx, String name) {
        byte[] b = files.get(name);
        if (b == null) throw new ServiceException(ServiceException.Code.NOT_FOUND, "no such file of the dashboard: " + name);
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", etags.get(name));
        if (etags.get(name).equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(ASSETS.get(name)).result(b);
    }

    /** {@code GET /api/v1/usage[?since=ISO-8601|days=N]}: usage samples per repository, oldest first (default: the last 90 days). */
    private void usage(Context ctx) {
        Instant since;
        String s = ctx.queryParam("since");
        String days = ctx.queryParam("days");
        try {
            if (s != null) since = Instant.parse(s);
            else since = Instant.now().minus(Duration.ofDays(days == null ? 90 : Long.parseLong(days)));
        } catch (java.time.DateTimeException | NumberFormatException | ArithmeticException e) { // unparsable, or too far back for a time
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "give since as an ISO-8601 time (2026-12-01T00:00:00Z) or days as a whole number");
        }
        Map<String, List<Map<String, Object>>> byRepo = new java.util.TreeMap<>();
        for (UsageSample u : svc.usage().since(since)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", u.takenAt().toString());
            m.put("backups", u.backups());
            m.put("logical_bytes", u.logicalBytes());
            m.put("raw_bytes", u.rawBytes());
            m.put("stored_bytes", u.storedBytes());
            byRepo.computeIfAbsent(u.repository(), r -> new java.util.ArrayList<>()).add(m);
        }
        List<Map<String, Object>> out = byRepo.entrySet().stream().map(e -> Map.<String, Object>of("repository", e.getKey(), "samples", e.getValue())).toList();
        ctx.json(Map.of("usage", out, "since", since.toString()));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
