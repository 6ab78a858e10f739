package io.coffer.service;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * Cron expressions as schedules take them: the five fields of Unix cron (minute, hour, day of
 * month, month, day of week), parsed and stepped by cron-utils, plus the nicknames {@code @hourly},
 * {@code @daily} ({@code @midnight}), {@code @weekly}, {@code @monthly} and {@code @yearly}
 * ({@code @annually}), which stand for the expressions crontab(5) gives them.
 */
final class Crons {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, String> NICKNAMES = Map.of("@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *");

    private Crons() {}

    /** {@code expr} checked: a 400 naming it and what is wrong when it is not a cron expression. */
    static String check(String what, String expr) {
        if (expr == null || expr.isBlank()) throw ServiceException.invalid(what + " is missing: give a cron expression like '0 3 * * *' or @daily");
        executionTime(what, expr.strip());
        return expr.strip();
    }

    /** A time zone by name (Europe/Berlin, UTC); a 400 when there is none such. */
    static ZoneId zone(String name) {
        try {
            return ZoneId.of(name == null || name.isBlank() ? "UTC" : name.strip());
        } catch (DateTimeException e) {
            throw ServiceException.invalid("time zone '" + Validation.printable(name) + "' is not known: give a name like UTC or Europe/Berlin");
        }
    }

    /** The first time after {@code after} that {@code expr} names, in {@code zone}; null when it names none. */
    static Instant next(String expr, String zone, Instant after) {
        return executionTime("cron", expr).nextExecution(after.atZone(zone(zone))).map(t -> t.toInstant()).orElse(null);
    }

    private static ExecutionTime executionTime(String what, String expr) {
        String e = NICKNAMES.getOrDefault(expr.toLowerCase(java.util.Locale.ROOT), expr);
        if (e.startsWith("@")) throw ServiceException.invalid(what + " '" + Validation.printable(expr) + "': the nicknames are " + String.join(", ", new java.util.TreeSet<>(NICKNAMES.keySet())));
        try {
            return ExecutionTime.forCron(PARSER.parse(e));
        } catch (IllegalArgumentException x) {
            throw ServiceException.invalid(what + " '" + Validation.printable(expr) + "' is not a cron expression (minute hour day-of-month month day-of-week): " + x.getMessage());
        }
    }
}
