package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffer schedule ...}: backups that run by themselves, kept as their policy says. */
@Command(name = "schedule", description = "Create, list, show, update, delete, pause, resume and run backup schedules (through the server).")
final class ScheduleCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Create.class, ListCmd.class, Show.class, Update.class, Delete.class,
            Pause.class, Resume.class, Run.class, Verify.class);
    static final String[] COLUMNS = {"name", "target", "cron", "time_zone", "paused", "next_run_at", "last_run_at", "last_outcome"};

    /** POST /schedules/REF/ACTION; the schedule after it. */
    static JsonNode action(ServerOptions o, String ref, String action) {
        return o.client().post("/schedules/" + ApiClient.enc(ref) + "/" + action, Map.of()).path("schedule");
    }

    /** How backups are made and kept: shared by create and update. */
    static final class Policy {
        @Option(names = "--cron", paramLabel = "EXPR", description = "When: five cron fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly.") String cron;
        @Option(names = "--time-zone", paramLabel = "ZONE", description = "The zone the cron expression is read in (default UTC), like Europe/Berlin.") String timeZone;
        @Option(names = "--incremental", negatable = true, description = "Build each backup on the last one (the first is full).") Boolean incremental;
        @Option(names = "--full-every", paramLabel = "N", description = "With --incremental, every N-th run is a full backup.") Integer fullEvery;
        @Option(names = "--retention-days", paramLabel = "N", description = "Each backup expires N days after it is made.") Integer retentionDays;
        @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest of the schedule's backups...") Integer keepLast;
        @Option(names = "--keep-daily", paramLabel = "N", description = "...and the newest of each of the N most recent days...") Integer keepDaily;
        @Option(names = "--keep-weekly", paramLabel = "N", description = "...of each of the N most recent ISO weeks...") Integer keepWeekly;
        @Option(names = "--keep-monthly", paramLabel = "N", description = "...of each of the N most recent months; the others are deleted.") Integer keepMonthly;
        @Option(names = "--repository", paramLabel = "NAME", description = "The configured repository to back up into (default: the server's).") String repository;
        @Option(names = "--container", paramLabel = "NAME", description = "The container in it (default: the server's).") String container;
        @Option(names = "--verify-cron", paramLabel = "EXPR", description = "Also verify the latest backup at these times (instances: restore to scratch, start, check).") String verifyCron;

        Map<String, Object> body() {
            Map<String, Object> b = new LinkedHashMap<>();
            put(b, "cron", cron);
            put(b, "time_zone", timeZone);
            put(b, "incremental", incremental);
            put(b, "full_every", fullEvery);
            put(b, "retention_days", retentionDays);
            put(b, "keep_last", keepLast);
            put(b, "keep_daily", keepDaily);
            put(b, "keep_weekly", keepWeekly);
            put(b, "keep_monthly", keepMonthly);
            put(b, "repository", repository);
            put(b, "container", container);
            put(b, "verify_cron", verifyCron);
            return b;
        }

        private static void put(Map<String, Object> b, String k, Object v) {
            if (v != null) b.put(k, v);
        }
    }

    /** What a schedule backs up: one of the two. */
    static final class Target {
        @Option(names = "--volume", paramLabel = "VOLUME", required = true, description = "Back up this volume.") String volume;
        @Option(names = "--instance", paramLabel = "INSTANCE", required = true, description = "Back up this database instance (application-consistent).") String instance;
    }

    @Command(name = "create", description = "Create a schedule: backups of a volume or an instance at the times of a cron expression.")
    static final class Create implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @ArgGroup(exclusive = true, multiplicity = "1") Target target;
        @Mixin Policy policy;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (target.volume != null) body.put("volume_id", target.volume);
            else body.put("instance_id", target.instance);
            body.putAll(policy.body());
            o.printOne(o.client().post("/schedules", body).path("schedule"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List schedules with their next run and the outcome of the last.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;

        @Override
        public Integer call() {
            o.printList(o.client().get("/schedules").path("schedules"), COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a schedule.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/schedules/" + ApiClient.enc(ref)).path("schedule"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", description = "Change a schedule's times or policy (what is not given stays).")
    static final class Update implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Mixin Policy policy;

        @Override
        public Integer call() {
            Map<String, Object> body = policy.body();
            if (body.isEmpty()) throw new ApiException(ExitCodes.USAGE, "say what to change (--cron, --keep-daily, ...)");
            o.printOne(o.client().put("/schedules/" + ApiClient.enc(ref), body).path("schedule"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a schedule (the backups it made stay).")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.client().delete("/schedules/" + ApiClient.enc(ref));
            if (!o.quiet && !o.json()) System.err.println("deleted schedule " + ref);
            return ExitCodes.OK;
        }
    }

    @Command(name = "pause", description = "Pause a schedule: no runs until it is resumed.")
    static final class Pause implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(action(o, ref, "pause"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "resume", description = "Resume a paused schedule from its next time.")
    static final class Resume implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(action(o, ref, "resume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", description = "Verify the schedule's latest backup now (an instance's: restore to scratch, start, check).")
    static final class Verify implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            JsonNode s = action(o, ref, "verify");
            o.printOne(s);
            return s.path("last_verify_outcome").asText().startsWith("started") ? ExitCodes.OK : ExitCodes.INCOMPLETE;
        }
    }

    @Command(name = "run", description = "Run a schedule now (a backup, or a skip when the last one still runs).")
    static final class Run implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            JsonNode s = action(o, ref, "run");
            o.printOne(s);
            return s.path("last_outcome").asText().startsWith("started") ? ExitCodes.OK : ExitCodes.INCOMPLETE;
        }
    }
}
