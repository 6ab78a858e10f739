package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffer backup ...}: backups of volumes, and restores, through the server. */
@Command(name = "backup", description = "Create, list, show, delete and restore backups (through the server).")
final class BackupCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Create.class, ListCmd.class, Show.class, Update.class, ResetStatus.class, Delete.class,
            Restore.class, Import.class, Verify.class);
    static final String[] COLUMNS = {"id", "name", "volume_name", "status", "is_incremental", "logical_bytes", "stored_bytes", "created_at"};
    static final Set<String> SETTLED = Set.of("available");
    static final Set<String> FAILED = Set.of("error");

    @Command(name = "create", description = "Back up a volume (or one of its snapshots), fully or incrementally.")
    static final class Create implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "VOLUME") String volume;
        @Option(names = "--snapshot", paramLabel = "SNAPSHOT", description = "Back up this snapshot of the volume.") String snapshot;
        @Option(names = "--container", paramLabel = "CONTAINER", description = "Container in the repository (default: backups).") String container;
        @Option(names = "--repository", paramLabel = "NAME", description = "Configured repository (default: the server's default).") String repository;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--description", paramLabel = "TEXT") String description;
        @Option(names = "--incremental", description = "Store only what changed since the volume's latest backup.") boolean incremental;
        @Option(names = "--force", description = "Allow backing up an in-use volume (crash-consistent).") boolean force;
        @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Metadata (repeatable).") List<String> metadata;
        @Option(names = "--wait", description = "Wait for the backup to finish, showing progress.") boolean wait;
        @Option(names = "--retention-days", paramLabel = "N", description = "Delete the backup N days from now (the server's retention sweep).") Integer retentionDays;
        @Option(names = "--expires-at", paramLabel = "TIME", description = "Delete the backup at this ISO-8601 time, like 2027-01-31T00:00:00Z.") String expiresAt;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("volume_id", volume);
            if (retentionDays != null) body.put("retention_days", retentionDays);
            if (expiresAt != null) body.put("expires_at", expiresAt);
            if (snapshot != null) body.put("snapshot_id", snapshot);
            if (container != null) body.put("container", container);
            if (repository != null) body.put("repository", repository);
            if (name != null) body.put("name", name);
            if (description != null) body.put("description", description);
            body.put("incremental", incremental);
            body.put("force", force);
            body.put("metadata", VolumeCommand.pairs(metadata, "metadata"));
            JsonNode b = c.post("/backups", body).path("backup");
            String id = b.path("id").asText();
            if (wait) b = Waiter.await(() -> c.get("/backups/" + id).path("backup"), SETTLED, FAILED, o.quiet);
            o.printOne(b);
            if (b.path("status").asText().equals("error")) {
                System.err.println("coffer: error: backup " + id + " failed: " + b.path("fail_reason").asText());
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List backups.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Option(names = "--volume", paramLabel = "VOLUME") String volume;
        @Option(names = "--status", paramLabel = "STATUS") String status;

        @Override
        public Integer call() {
            StringBuilder q = new StringBuilder();
            if (volume != null) q.append(q.isEmpty() ? "?" : "&").append("volume_id=").append(ApiClient.enc(volume));
            if (status != null) q.append(q.isEmpty() ? "?" : "&").append("status=").append(ApiClient.enc(status));
            o.printList(o.client().get("/backups" + q).path("backups"), COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a backup with every Cinder field and Coffer's own.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/backups/" + ApiClient.enc(ref)).path("backup"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", description = "Rename a backup, or change its description or metadata.")
    static final class Update implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;
        @Option(names = "--name") String name;
        @Option(names = "--description") String description;
        @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "The metadata, all of it (repeatable).") java.util.Map<String, String> metadata;

        @Override
        public Integer call() {
            var body = new java.util.LinkedHashMap<String, Object>();
            if (name != null) body.put("name", name);
            if (description != null) body.put("description", description);
            if (metadata != null) body.put("metadata", metadata);
            o.printOne(o.client().put("/backups/" + ApiClient.enc(ref), body).path("backup"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "reset-status", description = "Set a backup's status by hand: error, or available when its manifest is in its repository.")
    static final class ResetStatus implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;
        @Option(names = "--state", defaultValue = "available", description = "available (default) or error.") String state;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/backups/" + ApiClient.enc(ref) + "/reset-status", java.util.Map.of("status", state)).path("backup"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a backup (refused when incrementals depend on it, unless --cascade).")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;
        @Option(names = "--cascade", description = "Also delete every incremental built on it.") boolean cascade;
        @Option(names = "--wait", description = "Wait until the data is deleted and pruned.") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            JsonNode job = c.delete("/backups/" + ApiClient.enc(ref) + (cascade ? "?cascade=true" : "")).path("job");
            String id = job.path("id").asText();
            if (wait) job = Waiter.await(() -> c.get("/jobs/" + id).path("job"), Set.of("succeeded"), Set.of("failed", "cancelled"), o.quiet);
            o.printOne(job);
            return job.path("status").asText().equals("failed") ? ExitCodes.INCOMPLETE : ExitCodes.OK;
        }
    }

    @Command(name = "restore", description = "Restore a backup into an available volume, or into a new one.")
    static final class Restore implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;

        @ArgGroup(exclusive = true)
        Target target;

        static final class Target {
            @Option(names = "--volume", paramLabel = "VOLUME", description = "Restore into this existing, available volume.") String volume;
            @Option(names = "--name", paramLabel = "NEW", description = "Name of the new volume to create (default: restore_backup_ID).") String name;
        }

        @Option(names = "--wait", description = "Wait for the restore to finish, showing progress.") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            if (target != null && target.volume != null) body.put("volume_id", target.volume);
            if (target != null && target.name != null) body.put("name", target.name);
            JsonNode r = c.post("/backups/" + ApiClient.enc(ref) + "/restore", body).path("restore");
            if (!wait) {
                o.printOne(r);
                return ExitCodes.OK;
            }
            String jobId = r.path("job_id").asText();
            String volumeId = r.path("volume_id").asText();
            JsonNode job = Waiter.await(() -> c.get("/jobs/" + jobId).path("job"), Set.of("succeeded"), Set.of("failed", "cancelled"), o.quiet);
            JsonNode v = c.get("/volumes/" + volumeId).path("volume");
            o.printOne(v);
            if (!job.path("status").asText().equals("succeeded")) {
                System.err.println("coffer: error: restore failed: " + job.path("error").asText());
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "import", description = {"Import into the server's catalog the backups stored in a repository container that it does not know",
            "(after the loss of the host that made them). Only adds catalog entries; the repository is not changed."})
    static final class Import implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Option(names = "--repo", required = true, paramLabel = "NAME|URL",
                description = "A repository configured on the server, or a location one of them covers (e.g. s3://bucket/prefix/backups).")
        String repo;
        @Option(names = "--container", paramLabel = "CONTAINER", description = "Container to import from (default: the server's default, or the one in the URL).")
        String container;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("repository", repo);
            if (container != null) body.put("container", container);
            JsonNode r = o.client().post("/backups/import", body).path("import");
            if (o.json()) {
                ServerOptions.print(r);
                return ExitCodes.OK;
            }
            String where = r.path("repository").asText() + "/" + r.path("container").asText();
            if (!o.quiet) System.out.println("imported " + r.path("imported").size() + " backups from " + where + ", skipped " + r.path("skipped").size());
            if (!r.path("imported").isEmpty()) o.printList(r.path("imported"), COLUMNS);
            for (JsonNode s : r.path("skipped")) {
                String id = s.path("backup_id").isNull() ? "" : " (backup " + s.path("backup_id").asText() + ")";
                System.err.println("coffer: skipped manifest " + s.path("manifest_id").asText() + id + ": " + s.path("reason").asText());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", description = {"Verify a backup of a database: restore it to a scratch directory, start the database, check it",
            "(PostgreSQL: pg_amcheck; MariaDB/MySQL: CHECK TABLE), record the result on the backup, clean up."})
    static final class Verify implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String ref;
        @Option(names = "--query", paramLabel = "SQL", description = "A query whose first value is recorded (a row count, say).") String query;
        @Option(names = "--database", paramLabel = "DB", description = "Database to run the query in.") String database;
        @Option(names = "--wait", description = "Wait for the verdict.") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            if (query != null) body.put("query", query);
            if (database != null) body.put("database", database);
            JsonNode job = c.post("/backups/" + ApiClient.enc(ref) + "/verify", body).path("job");
            if (!wait) {
                o.printOne(job);
                return ExitCodes.OK;
            }
            String jobId = job.path("id").asText();
            job = Waiter.await(() -> c.get("/jobs/" + jobId).path("job"), Set.of("succeeded"), Set.of("failed", "cancelled"), o.quiet);
            JsonNode b = c.get("/backups/" + job.path("resource_id").asText()).path("backup");
            o.printOne(b);
            if (!job.path("status").asText().equals("succeeded")) {
                System.err.println("coffer: error: verification failed: " + job.path("error").asText());
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }
}
