package io.coffer.server;

import io.coffer.catalog.Schedule;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import io.coffer.service.ServiceException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /api/v1/schedules}: create, list, show, update, delete, pause, resume and run schedules;
 * {@code POST /api/v1/retention/sweep} runs retention at once.
 */
final class ScheduleApi {
    /** Reads a request body within the API's size limit. */
    interface Body {
        String read(Context ctx) throws IOException;
    }

    private ScheduleApi() {}

    static void register(Javalin app, CofferService svc, Body body) {
        String base = CofferServer.API + "/schedules";
        app.get(base, ctx -> ctx.json(Map.of("schedules", svc.schedules().list().stream().map(s -> view(s, svc)).toList())));
        app.post(base, ctx -> {
            var b = Json.parse(body.read(ctx), Bodies.Schedule.class);
            ctx.status(201).json(Map.of("schedule", view(svc.schedules().create(spec(b)), svc)));
        });
        app.get(base + "/{id}", ctx -> ctx.json(Map.of("schedule", view(svc.schedules().get(ctx.pathParam("id")), svc))));
        app.put(base + "/{id}", ctx -> {
            var b = Json.parse(body.read(ctx), Bodies.Schedule.class);
            if (b.name() != null) throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "a schedule cannot be renamed: delete it and create another");
            ctx.json(Map.of("schedule", view(svc.schedules().update(ctx.pathParam("id"), spec(b)), svc)));
        });
        app.delete(base + "/{id}", ctx -> {
            svc.schedules().delete(ctx.pathParam("id"));
            ctx.status(204);
        });
        app.post(base + "/{id}/pause", ctx -> ctx.json(Map.of("schedule", view(svc.schedules().pause(ctx.pathParam("id")), svc))));
        app.post(base + "/{id}/resume", ctx -> ctx.json(Map.of("schedule", view(svc.schedules().resume(ctx.pathParam("id")), svc))));
        app.post(base + "/{id}/run", ctx -> ctx.json(Map.of("schedule", view(svc.schedules().runNow(ctx.pathParam("id")), svc))));
        app.post(base + "/{id}/verify", ctx -> ctx.json(Map.of("schedule", view(svc.schedules().verifyNow(ctx.pathParam("id")), svc))));
        app.post(CofferServer.API + "/retention/sweep", ctx -> ctx.json(Map.of("expired", svc.sweep())));
    }

    private static Requests.ScheduleSpec spec(Bodies.Schedule b) {
        return new Requests.ScheduleSpec(b.name(), b.volumeId(), b.instanceId(), b.cron(), b.timeZone(), b.incremental(), b.fullEvery(), b.retentionDays(),
                b.keepLast(), b.keepDaily(), b.keepWeekly(), b.keepMonthly(), b.repository(), b.container(), b.verifyCron());
    }

    static Map<String, Object> view(Schedule s, CofferService svc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("target_type", s.targetType().id);
        m.put("target_id", s.targetId());
        m.put("target", s.targetType() == Schedule.Target.VOLUME
                ? svc.catalog().volume(s.targetId()).map(v -> v.name()).orElse(null)
                : svc.catalog().instance(s.targetId()).map(i -> i.name()).orElse(null));
        m.put("cron", s.cron());
        m.put("time_zone", s.timeZone());
        m.put("paused", s.paused());
        m.put("next_run_at", Views.time(s.nextRunAt()));
        m.put("last_run_at", Views.time(s.lastRunAt()));
        m.put("last_outcome", s.lastOutcome());
        m.put("last_backup_id", s.lastBackupId());
        m.put("runs", s.runs());
        Schedule.Policy p = s.policy();
        m.put("incremental", p.incremental());
        m.put("full_every", p.fullEvery());
        m.put("retention_days", p.retentionDays());
        m.put("keep_last", p.keepLast());
        m.put("keep_daily", p.keepDaily());
        m.put("keep_weekly", p.keepWeekly());
        m.put("keep_monthly", p.keepMonthly());
        m.put("repository", p.repository() == null ? svc.config().defaultRepository() : p.repository());
        m.put("container", p.container() == null ? svc.config().defaultContainer() : p.container());
        m.put("verify_cron", s.verifyCron());
        m.put("next_verify_at", Views.time(s.nextVerifyAt()));
        m.put("last_verify_at", Views.time(s.lastVerifyAt()));
        m.put("last_verify_outcome", s.lastVerifyOutcome());
        m.put("created_at", Views.time(s.createdAt()));
        m.put("updated_at", Views.time(s.updatedAt()));
        return m;
    }

    /** When a new backup expires: {@code retention_days} from now, or {@code expires_at}; not both. */
    static Instant expiry(Integer retentionDays, String expiresAt) {
        if (retentionDays != null && expiresAt != null) {
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "give retention_days or expires_at, not both");
        }
        if (retentionDays != null) {
            if (retentionDays < 1 || retentionDays > 36500) throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "retention_days must be between 1 and 36500, not " + retentionDays);
            return Instant.now().plus(Duration.ofDays(retentionDays));
        }
        return expiresAt == null ? null : instant("expires_at", expiresAt);
    }

    /** An ISO-8601 time (2027-01-31T00:00:00Z, or with an offset); a 400 naming {@code what} otherwise. */
    static Instant instant(String what, String s) {
        try {
            return java.time.OffsetDateTime.parse(s.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST, what + " '" + s + "' is not an ISO-8601 time like 2027-01-31T00:00:00Z");
        }
    }
}
