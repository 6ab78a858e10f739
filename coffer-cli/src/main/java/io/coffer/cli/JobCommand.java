package io.coffer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code coffer job ...}: the server's long operations. */
@Command(name = "job", description = "List, show and cancel jobs (through the server).")
final class JobCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(ListCmd.class, Show.class, Cancel.class);
    @Command(name = "list", description = "List jobs.")
    static final class ListCmd implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;

        @Override
        public Integer call() {
            o.printList(o.client().get("/jobs").path("jobs"), "id", "kind", "status", "resource_type", "resource_id", "created_at", "error");
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a job and its progress.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            o.printOne(o.client().get("/jobs/" + ApiClient.enc(id)).path("job"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "cancel", description = "Cancel a queued or running job.")
    static final class Cancel implements java.util.concurrent.Callable<Integer> {
        @Mixin ServerOptions o;
        @Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            o.printOne(o.client().post("/jobs/" + ApiClient.enc(id) + "/cancel", java.util.Map.of()).path("job"));
            return ExitCodes.OK;
        }
    }
}
