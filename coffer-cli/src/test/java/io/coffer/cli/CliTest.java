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
                BackupCommand.class, InstanceCommand.class, JobCommand.class, ScheduleCommand.class);
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
    void serverIsTakenBeforeTheCommandOrItsSubcommandToo() {
        String url = "http://127.0.0.1:1"; // nothing listens: the command got as far as calling it
        for (String[] args : new String[][] {{"--server", url, "volume", "list"}, {"volume", "--server", url, "list"},
                {"--server=" + url, "backup", "show", "x"}, {"volume", "list", "--server", url}}) {
            Run r = run(args);
            assertThat(r.code).as(String.join(" ", args)).isEqualTo(ExitCodes.ERROR);
            assertThat(r.err).as(String.join(" ", args)).contains("cannot reach the Coffer server at " + url);
        }
        assertThat(Cli.serverOptionLast(new String[] {"volume", "--server", "U", "create", "v", "--size", "1GiB"}))
                .containsExactly("volume", "create", "--server", "U", "v", "--size", "1GiB");
        // other options before the subcommand, and commands that take no --server, are left to picocli
        assertThat(Cli.serverOptionLast(new String[] {"repo", "--server", "U", "ls"})).containsExactly("repo", "--server", "U", "ls");
        assertThat(run("volume", "-q", "list").code).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aPopulatedSystemDirectoryIsNoRestoreTargetWithoutForceTarget() {
        for (String dir : new String[] {"/", "/etc", "/usr/lib"}) {
            Run r = run("repo", "restore", "--repo", "/nonexistent-repo-for-this-test", "latest", dir);
            assertThat(r.code).as(dir).isEqualTo(ExitCodes.CONFLICT);
            assertThat(r.err).as(dir).contains("is a system directory and is not empty").contains("--force-target");
        }
        // with the flag it goes on: to the missing repository, here
        Run forced = run("repo", "restore", "--repo", "/nonexistent-repo-for-this-test", "--force-target", "latest", "/etc");
        assertThat(forced.code).isEqualTo(ExitCodes.NOT_FOUND);
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
