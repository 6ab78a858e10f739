package io.coffer.cli;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;

/**
 * Offline commands that work on a repository directly, with no server: {@code coffer repo}, one
 * class per subcommand ({@code Repo*Command}).
 */
@Command(name = "repo", description = "Work on a repository directly (no server needed).")
final class RepoCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(RepoInitCommand.class, RepoBackupCommand.class, RepoRestoreCommand.class, RepoDumpCommand.class, RepoLsCommand.class, RepoFindCommand.class,
            RepoDiffCommand.class, RepoCheckCommand.class, RepoForgetCommand.class, RepoPruneCommand.class, RepoUnlockCommand.class, RepoStatsCommand.class, RepoKeyCommand.class,
            RepoRepairCommand.class);
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** A number from the command line, or an error naming {@code what}. */
    static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + s + "' is not a number");
        }
    }
}

