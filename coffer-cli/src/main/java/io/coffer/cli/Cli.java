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
     * The top-level commands, added when the command line is built. picocli reflects over a
     * command's whole tree when it is added, which for all of them took 0.27 s of every run, so a
     * run that names one of them gets only that one; anything else (help, --version, a typo) gets
     * them all.
     */
    private static final java.util.Map<String, Class<?>> COMMANDS = orderedCommands();

    private static java.util.Map<String, Class<?>> orderedCommands() {
        var m = new java.util.LinkedHashMap<String, Class<?>>();
        m.put("volume", VolumeCommand.class);
        m.put("snapshot", SnapshotCommand.class);
        m.put("backup", BackupCommand.class);
        m.put("instance", InstanceCommand.class);
        m.put("job", JobCommand.class);
        m.put("repo", RepoCommand.class);
        m.put("demo", DemoCommand.class);
        return java.util.Collections.unmodifiableMap(m);
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
        CommandLine cl = new CommandLine(new Cli());
        String first = args.length > 0 ? args[0] : "";
        if (COMMANDS.containsKey(first)) {
            cl.addSubcommand(first, COMMANDS.get(first));
        } else if (extra.containsKey(first)) {
            cl.addSubcommand(first, extra.get(first));
        } else {
            COMMANDS.forEach(cl::addSubcommand);
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
        } catch (OutOfMemoryError e) { // thrown past picocli's handler, which takes exceptions only
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
