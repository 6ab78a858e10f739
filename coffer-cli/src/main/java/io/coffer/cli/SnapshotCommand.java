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

/** {@code coffer snapshot ...}: point-in-time copies of volumes. */
@Command(name = "snapshot", description = "Create, list, show and delete snapshots (through the server).")
final class SnapshotCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Create.class, ListCmd.class, Show.class, Delete.class);
    static final String[] COLUMNS = {"id", "name", "volume_id", "status", "method", "restore_size", "freeze_ms", "created_at"};

    @Command(name = "create", description = "Snapshot a volume.")
    static final class Create implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "VOLUME") String volume;
        @Option(names = "--name", paramLabel = "NAME") String name;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).") List<String> labels;
        @Option(names = "--wait", description = "Wait until the snapshot is available.") boolean wait;
        @Option(names = "--consistency", paramLabel = "crash|application",
                description = "application: quiesce the database instance registered on the volume for the cut (default: crash).") String consistency;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("volume_id", volume);
            if (name != null) body.put("name", name);
            if (consistency != null) body.put("consistency", consistency);
            body.put("labels", VolumeCommand.pairs(labels, "label"));
            JsonNode s = c.post("/snapshots", body).path("snapshot");
            String id = s.path("id").asText();
            if (wait) s = Waiter.await(() -> c.get("/snapshots/" + id).path("snapshot"), Set.of("available"), Set.of("error"), o.quiet);
            o.printOne(s);
            return s.path("status").asText().equals("error") ? ExitCodes.INCOMPLETE : ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List snapshots.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Option(names = "--volume", paramLabel = "VOLUME_ID") String volume;

        @Override
        public Integer call() {
            String q = volume == null ? "" : "?volume_id=" + ApiClient.enc(volume);
            o.printList(o.client().get("/snapshots" + q).path("snapshots"), COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a snapshot.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/snapshots/" + ApiClient.enc(ref)).path("snapshot"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a snapshot.")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            JsonNode s = c.get("/snapshots/" + ApiClient.enc(ref)).path("snapshot");
            c.delete("/snapshots/" + s.path("id").asText());
            if (o.json()) ServerOptions.print(s);
            else if (!o.quiet) System.err.println("deleted snapshot " + s.path("id").asText());
            return ExitCodes.OK;
        }
    }
}
