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

/** {@code coffer volume ...}: volumes on the server. */
@Command(name = "volume", description = "Create, list, show, rename, extend, attach and delete volumes (through the server).")
final class VolumeCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Create.class, ListCmd.class, Show.class, Update.class, Extend.class,
            ResetStatus.class, Delete.class, Attach.class, Detach.class);
    static final String[] COLUMNS = {"id", "name", "status", "driver", "size_bytes", "path"};

    static Map<String, String> pairs(List<String> kv, String what) {
        Map<String, String> m = new LinkedHashMap<>();
        if (kv == null) return m;
        for (String s : kv) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new ApiException(ExitCodes.USAGE, what + " '" + s + "' must look like KEY=VALUE");
            m.put(s.substring(0, eq), s.substring(eq + 1));
        }
        return m;
    }

    @Command(name = "create", description = "Create a volume (empty, or from a snapshot).")
    static final class Create implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Option(names = "--size", paramLabel = "SIZE", description = "Size, like 10GiB or 512MiB (default with --snapshot: the snapshot's).") String size;
        @Option(names = "--driver", paramLabel = "DRIVER", description = "dir (a directory, default) or image (a sparse raw image file).") String driver;
        @Option(names = "--snapshot", paramLabel = "SNAPSHOT", description = "Fill the new volume from this snapshot.") String snapshot;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).") List<String> labels;
        @Option(names = "--wait", description = "Wait until the volume is available (with --snapshot).") boolean wait;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (size != null) body.put("size", size);
            if (driver != null) body.put("driver", driver);
            if (snapshot != null) body.put("snapshot_id", snapshot);
            body.put("labels", pairs(labels, "label"));
            JsonNode v = c.post("/volumes", body).path("volume");
            if (wait) v = Waiter.await(() -> c.get("/volumes/" + ApiClient.enc(name)).path("volume"), Set.of("available"), Set.of("error"), o.quiet);
            o.printOne(v);
            return v.path("status").asText().equals("error") ? ExitCodes.INCOMPLETE : ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List volumes.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;

        @Override
        public Integer call() {
            o.printList(o.client().get("/volumes").path("volumes"), COLUMNS);
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a volume (its JSON includes its path on the host).")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/volumes/" + ApiClient.enc(ref)).path("volume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a volume and its data (refused while attached, busy, or with snapshots, unless --cascade).")
    static final class Delete implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Option(names = "--cascade", description = "Also delete the volume's snapshots.") boolean cascade;

        @Override
        public Integer call() {
            ApiClient c = o.client();
            JsonNode v = c.get("/volumes/" + ApiClient.enc(ref)).path("volume");
            c.delete("/volumes/" + ApiClient.enc(v.path("id").asText()) + (cascade ? "?cascade=true" : ""));
            if (o.json()) ServerOptions.print(v);
            else if (!o.quiet) System.err.println("deleted volume " + v.path("name").asText() + " (" + v.path("id").asText() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "attach", description = "Mark a volume in-use by an instance.")
    static final class Attach implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Option(names = "--instance", required = true, paramLabel = "NAME") String instance;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/volumes/" + ApiClient.enc(ref) + "/attach", Map.of("instance", instance)).path("volume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "detach", description = "Mark a volume available again.")
    static final class Detach implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/volumes/" + ApiClient.enc(ref) + "/detach", Map.of()).path("volume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", description = "Rename a volume, or replace its labels.")
    static final class Update implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Option(names = "--name", paramLabel = "NEW", description = "The new name.") String name;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "The labels, all of them (repeatable); --label '' clears them.") List<String> labels;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (name != null) body.put("name", name);
            if (labels != null) body.put("labels", pairs(labels.stream().filter(l -> !l.isEmpty()).toList(), "label"));
            if (body.isEmpty()) throw new ApiException(ExitCodes.USAGE, "nothing to change: give --name or --label");
            o.printOne(o.client().put("/volumes/" + ApiClient.enc(ref), body).path("volume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "extend", description = "Grow a volume to a new, larger size (an image volume's file grows; volumes never shrink).")
    static final class Extend implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Parameters(index = "1", paramLabel = "SIZE", description = "The new size, like 20GiB.") String size;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/volumes/" + ApiClient.enc(ref) + "/extend", Map.of("size", size)).path("volume"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "reset-status", description = "Set a volume's status by hand: available (detached) or error; refused while a job works on it.")
    static final class ResetStatus implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "NAME_OR_ID") String ref;
        @Option(names = "--state", defaultValue = "available", description = "available (default) or error.") String state;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/volumes/" + ApiClient.enc(ref) + "/reset-status", Map.of("status", state)).path("volume"));
            return ExitCodes.OK;
        }
    }
}
