package io.coffer.cli;

import io.coffer.repo.RepositoryException;
import io.coffer.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code coffer} command line. Maps every failure to a message and a stable exit code. */
@Command(name = "coffer", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Volume snapshot and backup service.")
public final class Cli {
    /**
     * The top-level commands and their subcommands, added when the command line is built.
     * picocli reflects over a command's whole tree when it is added (every option, mixin and
     * parameter of every subcommand), which for all of them took 0.27 s of every run and for the
     * eight {@code repo} subcommands still about 0.1 s. So a run that names a command and one of
     * its subcommands gets only that one (the group commands declare no {@code subcommands} in
     * their annotations for this reason); anything else (help, --version, a typo, a group with no
     * subcommand named) gets the whole level, so that help and picocli's suggestions list them all.
     */
    private static final java.util.Map<String, Class<?>> COMMANDS = orderedCommands();

    private static java.util.Map<String, Class<?>> orderedCommands() {
        var m = new java.util.LinkedHashMap<String, Class<?>>();
        m.put("volume", VolumeCommand.class);
        m.put("snapshot", SnapshotCommand.class);
        m.put("backup", BackupCommand.class);
        m.put("instance", InstanceCommand.class);
        m.put("job", JobCommand.class);
        m.put("schedule", ScheduleCommand.class);
        m.put("repo", RepoCommand.class);
        m.put("demo", DemoCommand.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    static final java.util.Map<Class<?>, java.util.List<Class<?>>> SUBCOMMANDS = java.util.Map.of(
            VolumeCommand.class, VolumeCommand.SUBCOMMANDS,
            SnapshotCommand.class, SnapshotCommand.SUBCOMMANDS,
            BackupCommand.class, BackupCommand.SUBCOMMANDS,
            InstanceCommand.class, InstanceCommand.SUBCOMMANDS,
            JobCommand.class, JobCommand.SUBCOMMANDS,
            ScheduleCommand.class, ScheduleCommand.SUBCOMMANDS,
            RepoCommand.class, RepoCommand.SUBCOMMANDS);

    /** The command line of a top-level command with the subcommand {@code name} only, or all of them. */
    static CommandLine command(Class<?> cls, String name) {
        CommandLine cl = new CommandLine(cls);
        java.util.List<Class<?>> subs = SUBCOMMANDS.getOrDefault(cls, java.util.List.of());
        for (Class<?> sub : subs) {
            if (sub.getAnnotation(Command.class).name().equals(name)) {
                cl.addSubcommand(sub);
                return cl;
            }
        }
        subs.forEach(cl::addSubcommand);
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"coffer " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }

    private Cli() {}

    public static int run(String... args) {
        return run(java.util.Map.of(), args);
    }

    /**
     * Runs the command line with extra top-level commands (the composition root adds {@code
     * server}); an extra command may be given as its class, so that it is not even initialised
     * unless it runs.
     */
    public static int run(java.util.Map<String, Object> extra, String... args) {
        args = serverOptionLast(args);
        CommandLine cl = new CommandLine(new Cli());
        String first = args.length > 0 ? args[0] : "";
        if (COMMANDS.containsKey(first)) {
            cl.addSubcommand(first, command(COMMANDS.get(first), args.length > 1 ? args[1] : ""));
        } else if (extra.containsKey(first)) {
            cl.addSubcommand(first, extra.get(first));
        } else {
            COMMANDS.forEach((name, cls) -> cl.addSubcommand(name, command(cls, "")));
            extra.forEach(cl::addSubcommand);
            cl.addSubcommand("help", new CommandLine.HelpCommand());
        }
        addHelp(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(cmd.getErr(), ex));
        cl.setParameterExceptionHandler((ex, args2) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("coffer: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | LinkageError e) { // thrown past picocli's handler, which takes exceptions only
            return report(cl.getErr(), e);
        }
    }

    /** Every command and subcommand answers {@code -h}/{@code --help}. */
    private static void addHelp(CommandLine cl) {
        var spec = cl.getCommandSpec();
        if (spec.findOption("--help") == null && !(cl.getCommand() instanceof CommandLine.HelpCommand)) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        }
        cl.getSubcommands().values().forEach(Cli::addHelp);
    }

    /** The commands that talk to a server: they take {@code --server} anywhere before or after their subcommand. */
    private static final java.util.Set<String> SERVER_COMMANDS = java.util.Set.of("volume", "snapshot", "backup", "instance", "job");

    /**
     * {@code --server URL} given before a server command or between it and its subcommand
     * ({@code coffer --server URL volume list}, {@code coffer volume --server URL list}) moves to
     * after the subcommand, where its options are parsed. Any other option there is left for
     * picocli to refuse with its usual message.
     */
    static String[] serverOptionLast(String[] args) {
        java.util.List<String> server = new java.util.ArrayList<>(), words = new java.util.ArrayList<>();
        int i = 0;
        for (; i < args.length && words.size() < 2; i++) {
            String a = args[i];
            if (a.equals("--server") && i + 1 < args.length) {
                server.add(a);
                server.add(args[++i]);
            } else if (a.startsWith("--server=")) {
                server.add(a);
            } else if (a.startsWith("-")) {
                return args;
            } else {
                words.add(a);
            }
        }
        if (server.isEmpty() || words.size() < 2 || !SERVER_COMMANDS.contains(words.get(0))) return args;
        java.util.List<String> out = new java.util.ArrayList<>(words);
        out.addAll(server);
        out.addAll(java.util.Arrays.asList(args).subList(i, args.length));
        return out.toArray(String[]::new);
    }

    static int report(PrintWriter err, Throwable ex) {
        Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        int code;
        String msg;
        if (e instanceof ApiException ae) {
            code = ae.exitCode;
            msg = ae.getMessage();
        } else if (e instanceof RepositoryException re) {
            code = ExitCodes.of(re.kind());
            msg = re.getMessage();
        } else if (e instanceof StoreException se) {
            code = ExitCodes.ERROR;
            msg = se.getMessage() + (se.retryable() ? " (transient; retrying later may help)" : "");
        } else if (e instanceof IllegalArgumentException) {
            code = ExitCodes.USAGE;
            msg = e.getMessage();
        } else if (e instanceof java.io.IOException) {
            code = ExitCodes.ERROR;
            msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } else if (e instanceof OutOfMemoryError) {
            code = ExitCodes.ERROR;
            msg = io.coffer.repo.Heap.exhausted();
        } else if (e instanceof LinkageError le) { // a native library that cannot be loaded, or a class it left broken
            code = ExitCodes.ERROR;
            msg = io.coffer.sys.ZstdLibrary.loadFailure(le);
        } else {
            code = ExitCodes.ERROR;
            msg = "internal error: " + e + " (set COFFER_DEBUG=1 for details)";
        }
        err.println("coffer: error: " + msg);
        if (System.getenv("COFFER_DEBUG") != null) e.printStackTrace(err);
        err.flush();
        return code;
    }
}
