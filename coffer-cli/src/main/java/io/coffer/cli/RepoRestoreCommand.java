package io.coffer.cli;

import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "restore", description = "Restore a backup (or one path of it) into TARGET.")
final class RepoRestoreCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(index = "0", paramLabel = "ID", description = "Backup id, unique prefix, or 'latest'.")
    String id;

    @Parameters(index = "1", paramLabel = "TARGET", description = "Directory to restore into (for file backups: the file or device to write).")
    Path target;

    @Option(names = "--path", paramLabel = "PATH", description = "Restore only this path of the backup (recreated under TARGET).")
    String path;

    /** Kept so that scripts that pass it still run: symlinks are always restored as they were. */
    @Option(names = "--allow-external-symlinks", hidden = true, description = "No effect: symlinks are always restored exactly as they were, and never followed.")
    boolean externalSymlinks;

    @Option(names = "--threads", description = "Parallel readers/writers (default: cores + 1 for a local repository, 2 x cores and at least 4 for a remote one).")
    Integer threads;

    @Option(names = "--delete", description = "After a restore without errors, delete what TARGET (or the --path restored in it) holds that the backup does not.")
    boolean delete;

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Do not restore entries that match (repeatable; the patterns of repo backup --exclude).")
    List<String> excludes;

    @Option(names = "--include", paramLabel = "PATTERN", description = "Restore only entries that match, with all they hold (repeatable).")
    List<String> includes;

    @Option(names = "--sparse", description = "Leave every zero run a hole, also in files that had none (whose zero runs are otherwise allocated, as they were).")
    boolean sparse;

    @Option(names = "--force-target", description = "Restore into / or into a populated system directory (/etc, /usr, /var, ...) all the same.")
    boolean forceTarget;

    /** Directories a restore writes into only with --force-target when they hold anything: the system's own. */
    static final java.util.Set<String> SYSTEM_DIRS = java.util.Set.of("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64",
            "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/usr/bin", "/usr/lib", "/usr/lib64", "/usr/libexec",
            "/usr/sbin", "/usr/share", "/usr/local", "/usr/include", "/var/lib", "/var/log", "/var/cache", "/var/spool");

    /** Refuses a populated system directory as the target unless --force-target: a typo there overwrites the system. */
    static void checkTarget(Path target, boolean force) throws IOException {
        if (force || !Files.isDirectory(target)) return;
        Path real = target.toRealPath();
        if (!SYSTEM_DIRS.contains(real.toString())) return;
        try (var s = Files.list(real)) {
            if (s.findAny().isEmpty()) return;
        }
        throw new ApiException(ExitCodes.CONFLICT, "restore target " + real + " is a system directory and is not empty: a restore there"
                + " overwrites what the system runs on; restore into an empty directory, or give --force-target if that is what you want");
    }

    @Override
    public Integer call() throws IOException {
        checkTarget(target, forceTarget);
        // bad patterns are refused before the repository is opened
        RestoreOptions o = RestoreOptions.defaults().withPath(path).withDelete(delete).withPatterns(excludes, includes).withSparse(sparse);
        if (threads != null) o = o.withThreads(threads);
        try (Repository repo = r.open()) {
            String full = repo.resolveBackup(id);
            RestoreRunner runner = new RestoreRunner(repo, o);
            long t0 = System.nanoTime();
            RestoreResult res;
            try (var line = new ProgressLine(r.quiet, () -> String.format(Locale.ROOT, "restore: %d files, %s/%s",
                    runner.filesDone(), Sizes.human(runner.bytesDone()), Sizes.human(runner.totalBytes())))) {
                res = runner.run(full, target);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            for (String w : res.warnings()) System.err.println("warning: " + w);
            for (String e : res.errors()) System.err.println("error: " + e);
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", full);
                out.put("target", target.toAbsolutePath().toString());
                out.put("files", res.files());
                out.put("dirs", res.dirs());
                out.put("others", res.others());
                out.put("bytes", res.bytes());
                if (delete) out.put("deleted", res.deleted());
                out.put("errors", res.errors());
                out.put("warnings", res.warnings());
                Output.json(out);
            } else if (!r.quiet) {
                System.err.printf(Locale.ROOT, "restored %s to %s: %d files, %d dirs, %d links/special, %s in %.1fs%n",
                        full.substring(0, 12), target, res.files(), res.dirs(), res.others(), Sizes.human(res.bytes()), secs);
                if (delete) System.err.println("deleted " + res.deleted() + " entries that are not in the backup");
            }
            if (!res.ok()) {
                System.err.println("restore incomplete: " + res.errors().size() + " item(s) could not be restored (see errors above)");
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }
}
