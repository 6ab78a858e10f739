package io.coffer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line is built lazily (only the subcommand a run names); help and errors must not notice. */
class CliTest {
    private static final Map<Class<?>, List<Class<?>>> GROUPS = Cli.SUBCOMMANDS;

    @Test
    void everyCommandWithSubcommandsIsAGroup() {
        // a group command declares no subcommands in its annotation: it must be listed here, or it would have none
        assertThat(GROUPS.keySet()).containsExactlyInAnyOrder(RepoCommand.class, VolumeCommand.class, SnapshotCommand.class,
                BackupCommand.class, InstanceCommand.class, JobCommand.class);
        GROUPS.values().forEach(subs -> assertThat(subs).isNotEmpty());
    }

    @Test
    void aRunThatNamesASubcommandGetsThatOneOnly() {
        GROUPS.forEach((group, subs) -> {
            for (Class<?> sub : subs) {
                String name = sub.getAnnotation(Command.class).name();
                CommandLine cl = Cli.command(group, name);
                assertThat(cl.getSubcommands()).as(group.getSimpleName() + " " + name).containsOnlyKeys(name);
                assertThat((Object) cl.getSubcommands().get(name).getCommand()).isInstanceOf(sub);
            }
        });
    }

    @Test
    void anythingElseGetsTheWholeLevelInHelpOrder() {
        GROUPS.forEach((group, subs) -> {
            List<String> names = subs.stream().map(c -> c.getAnnotation(Command.class).name()).toList();
            for (String other : new String[] {"", "--help", "-h", "no-such-command"}) {
                assertThat(List.copyOf(Cli.command(group, other).getSubcommands().keySet())).as(group.getSimpleName() + " '" + other + "'").isEqualTo(names);
            }
        });
    }

    @Test
    void groupHelpListsEverySubcommandAndATypoIsAUsageError() {
        Run help = run("repo", "--help");
        assertThat(help.code).isZero();
        for (Class<?> sub : RepoCommand.SUBCOMMANDS) assertThat(help.out).contains("  " + sub.getAnnotation(Command.class).name() + " ");

        Run typo = run("repo", "restor");
        assertThat(typo.code).isEqualTo(ExitCodes.USAGE);
        assertThat(typo.err).contains("restor").contains("coffer repo --help");

        Run sub = run("repo", "restore", "--help");
        assertThat(sub.code).isZero();
        assertThat(sub.out).contains("Usage: coffer repo restore").contains("TARGET");

        Run top = run("--help");
        assertThat(top.code).isZero();
        assertThat(top.out).contains("  repo ").contains("  volume ").contains("  backup ");
    }

    @Test
    void everySubcommandsHelpFormatsCleanly() {
        // picocli formats descriptions with String.format: a lone '%' garbles the help and warns
        for (var e : Cli.SUBCOMMANDS.entrySet()) {
            String group = e.getKey().getAnnotation(Command.class).name();
            for (Class<?> sub : e.getValue()) {
                String name = sub.getAnnotation(Command.class).name();
                Run help = run(group, name, "--help");
                assertThat(help.code).as(group + " " + name).isZero();
                assertThat(help.out + help.err).as(group + " " + name).contains("Usage: coffer " + group + " " + name).doesNotContain("picocli WARN");
            }
        }
    }

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Cli.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
