package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffer instance ...}: database instances, their consistent backups, and restores into new running instances. */
@Command(name = "instance", description = "Register database instances, back them up consistently, restore them into new instances (through the server).")
final class InstanceCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Register.class, ListCmd.class, Show.class, Unregister.class, Backup.class, Backups.class, Restore.class);
    static final String[] COLUMNS = {"name", "engine", "status", "volume_name", "host", "port", "socket_dir", "managed"};
    static final String[] BACKUP_COLUMNS = {"id", "name", "status", "consistency", "is_incremental", "logical_bytes", "stored_bytes", "created_at"};

    @Command(name = "register", description = "Register a database whose data directory is on a volume (the volume becomes in-use by it).")
    static final class Register implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--engine", required = true, paramLabel = "ENGINE", description = "postgresql, mysql or mariadb") String engine;
        @Option(names = "--volume", required = true, paramLabel = "VOLUME", description = "The volume holding the data directory.") String volume;
        @Option(names = "--data-subdir", paramLabel = "PATH", description = "The data directory's path inside the volume (default: the volume's root).") String subdir;
        @Option(names = "--host", paramLabel = "HOST") String host;
        @Option(names = "--port", paramLabel = "PORT") Integer port;
        @Option(names = "--socket-dir", paramLabel = "DIR", description = "Directory of the server's Unix socket (PostgreSQL).") String socketDir;
        @Option(names = "--user", paramLabel = "USER", description = "Database user with the right to start a backup (default: postgres or root).") String user;
        @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password (the server reads it; only its path is stored).") String passwordFile;
        @Option(names = "--password-env", paramLabel = "VAR", description = "Environment variable of the server holding the password.") String passwordEnv;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).") List<String> labels;

        @Override
        public Integer call() {
            if (passwordFile != null && passwordEnv != null) throw new ApiException(ExitCodes.USAGE, "give --password-file or --password-env, not both");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("engine", engine);
            body.put("volume_id", volume);
            if (subdir != null) body.put("data_subdir", subdir);
            if (host != null) body.put("host", host);
            if (port != null) body.put("port", port);
            if (socketDir != null) body.put("socket_dir", socketDir);
            if (user != null) body.put("user", user);
            if (passwordFile != null) body.put("password_ref", "file:" + java.nio.file.Path.of(passwordFile).toAbsolutePath());
            if (passwordEnv != null) body.put("password_ref", "env:" + passwordEnv);
            body.put("labels", VolumeCommand.pairs(labels, "label"));
            o.printOne(o.client().post("/instances", body).path("instance"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List instances.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;

        @Override
        public Integer call() {
            o.printList(o.client().get("/instances").path("instances"), COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show an instance and how to connect to it.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/instances/" + ApiClient.enc(ref)).path("instance"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "unregister", description = "Forget an instance: a server Coffer started for it is stopped; its volume and backups stay.")
    static final class Unregister implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String ref;

        @Override
        public Integer call() {
            o.client().delete("/instances/" + ApiClient.enc(ref));
            if (!o.quiet && !o.json()) System.err.println("unregistered instance " + ref);
            return ExitCodes.OK;
        }
    }

    @Command(name = "backup", description = "Back up an instance: application-consistent (the database is quiesced across the copy) unless --crash-consistent.")
    static final class Backup implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String ref;
        @Option(names = "--name", paramLabel = "BACKUP") String name;
        @Option(names = "--retention-days", paramLabel = "N") Integer retentionDays;
        @Option(names = "--incremental", description = "Store only what changed since the instance's latest backup.") boolean incremental;
        @Option(names = "--crash-consistent", description = "Do not quiesce the database; snapshot the volume alone.") boolean crash;
        @Option(names = "--repository", paramLabel = "NAME") String repository;
        @Option(names = "--container", paramLabel = "CONTAINER") String container;
        @Option(names = "--wait", description = "Wait for the backup to finish, showing progress.") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            if (name != null) body.put("backupName", name);
            if (retentionDays != null) body.put("retentionDays", retentionDays);
            body.put("incremental", incremental);
            if (crash) body.put("consistency", "crash");
            if (repository != null) body.put("repository", repository);
            if (container != null) body.put("container", container);
            body.put("createdBy", "cli");
            JsonNode b = c.post("/instances/" + ApiClient.enc(ref) + "/backup", body).path("backup");
            String id = b.path("id").asText();
            if (wait) b = Waiter.await(() -> c.get("/backups/" + id).path("backup"), BackupCommand.SETTLED, BackupCommand.FAILED, o.quiet);
            o.printOne(b);
            if (b.path("status").asText().equals("error")) {
                System.err.println("coffer: error: backup " + id + " of instance " + ref + " failed: " + b.path("fail_reason").asText());
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "backups", description = "List the backups of an instance.")
    static final class Backups implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String ref;

        @Override
        public Integer call() {
            o.printList(o.client().get("/instances/" + ApiClient.enc(ref) + "/backups").path("backups"), BACKUP_COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "restore", description = "Restore a backup of an instance into a new volume and start a new instance on it (127.0.0.1, a free port).")
    static final class Restore implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String ref;
        @Option(names = "--backup", required = true, paramLabel = "BACKUP") String backup;
        @Option(names = "--as", paramLabel = "NEW", description = "Name of the new instance (default: NAME-restore-BACKUP).") String as;
        @Option(names = "--wait", description = "Wait until the new instance accepts connections.") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("backup", backup);
            if (as != null) body.put("name", as);
            JsonNode r = c.post("/instances/" + ApiClient.enc(ref) + "/restore", body).path("restore");
            if (!wait) {
                o.printOne(r);
                return ExitCodes.OK;
            }
            String jobId = r.path("job_id").asText();
            JsonNode job = Waiter.await(() -> c.get("/jobs/" + jobId).path("job"), Set.of("succeeded"), Set.of("failed", "cancelled"), o.quiet);
            JsonNode i = c.get("/instances/" + ApiClient.enc(r.path("instance_name").asText())).path("instance");
            o.printOne(i);
            if (!job.path("status").asText().equals("succeeded")) {
                System.err.println("coffer: error: restore of instance " + ref + " failed: " + job.path("error").asText());
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }
}
