package io.coffer.cli;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupPlan;
import io.coffer.backup.BackupProgress;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.Manifest;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "backup", description = "Back up a directory, a file, a raw image or a block device; prints the new backup's id.")
final class RepoBackupCommand implements Callable<Integer> {
    @Mixin RepoOptions r;

    @Parameters(paramLabel = "SOURCE", description = "Directory, file, image or block device.")
    Path source;

    @Option(names = "--parent", paramLabel = "ID", description = "Reuse unchanged files of this backup (an id, a prefix, or 'latest'). "
            + "Default: the latest backup of the same SOURCE from this host, if there is one.")
    String parent;

    @Option(names = "--no-parent", description = "Read every file, as for a first backup (no parent).")
    boolean noParent;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Label the backup (repeatable).")
    Map<String, String> tags;

    @Option(names = "--db-glob", paramLabel = "GLOB", description = "Also cut files matching GLOB (relative to SOURCE) in fixed database blocks.")
    List<String> dbGlobs;

    @Option(names = "--cdc", description = "Cut a single-file source with content-defined chunks instead of fixed image blocks.")
    boolean cdc;

    @Option(names = "--exclude", paramLabel = "PATTERN", description = "Leave out entries matching this glob (repeatable): a name at any depth ('*.tmp', 'node_modules'), "
            + "a path from the top of SOURCE when it holds a '/' ('var/cache/**', '/pg_wal/*'), directories only with a trailing '/' ('tmp/').")
    List<String> excludes;

    @Option(names = "--exclude-file", paramLabel = "FILE", description = "Read more --exclude patterns from FILE, one a line ('#' starts a comment line).")
    List<Path> excludeFiles;

    @Option(names = {"-x", "--one-file-system"}, description = "Do not cross into other file systems: mount points are kept as empty directories.")
    boolean oneFileSystem;

    @Option(names = {"-n", "--dry-run"}, description = "Say which files would be read (new or changed since the parent) and how much; read no data, write nothing.")
    boolean dryRun;

    @Option(names = "--threads", description = "Worker threads (default: cores + 1).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        List<String> patterns = new ArrayList<>(excludes == null ? List.of() : excludes);
        for (Path f : excludeFiles == null ? List.<Path>of() : excludeFiles) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f);
            } catch (IOException e) {
                throw new ApiException(ExitCodes.USAGE, "cannot read exclude file " + f + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            }
            for (String l : lines) if (!l.isBlank() && !l.startsWith("#")) patterns.add(l); // readAllLines ends lines at \n, \r\n and \r
        }
        if (parent != null && noParent) throw new ApiException(ExitCodes.USAGE, "give --parent or --no-parent, not both");
        BackupOptions o = BackupOptions.defaults().withTags(tags).withDatabaseGlobs(dbGlobs).withExcludes(patterns, oneFileSystem);
        if (threads != null) o = o.withThreads(threads);
        if (cdc) o = o.withImage(false);
        try (Repository repo = r.open()) {
            if (parent != null) {
                o = o.withParent(repo.resolveBackup(parent));
            } else if (!noParent) {
                o = o.withParent(sameSource(repo).orElse(null));
                if (o.parent() != null && !r.quiet && !r.json) System.err.println("parent: " + o.parent().substring(0, 12) + " (the latest backup of this source from this host)");
            }
            BackupRunner runner = new BackupRunner(repo, o);
            if (dryRun) return plan(runner);
            BackupProgress p = runner.progress();
            long t0 = System.nanoTime();
            BackupResult res;
            try (var line = new ProgressLine(r.quiet, () -> String.format(Locale.ROOT, "backup: %d/%d%s files, %s/%s%s, %s/s",
                    p.filesDone(), p.filesSeen(), p.scanDone() ? "" : "+", Sizes.human(p.bytesDone()), Sizes.human(p.bytesSeen()),
                    p.scanDone() ? "" : "+", Sizes.human((long) (p.bytesRead() / Math.max(1e-3, (System.nanoTime() - t0) / 1e9)))))) {
                res = runner.run(source);
            }
            for (String w : res.warnings()) System.err.println("warning: " + w);
            Manifest.Stats s = res.manifest().stats();
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("id", res.id());
                out.put("parent", res.manifest().parent());
                out.put("source", res.manifest().source());
                out.put("kind", res.manifest().kind());
                out.put("stats", s);
                out.put("excluded", p.excluded());
                out.put("warnings", res.warnings());
                Output.json(out);
            } else {
                System.out.println(res.id());
                if (!r.quiet) {
                    System.err.printf(Locale.ROOT, "backup %s of %s: %d files (%d unchanged), %d dirs%s, %s; read %s, added %s (%s stored) in %.1fs%n",
                            res.id().substring(0, 12), res.manifest().source(), s.files(), s.filesUnchanged(), s.dirs(),
                            p.excluded() > 0 ? ", " + p.excluded() + " excluded" : "",
                            Sizes.human(s.logicalBytes()), Sizes.human(s.bytesRead()), Sizes.human(s.newRawBytes()),
                            Sizes.human(s.newStoredBytes()), s.durationMs() / 1000.0);
                }
            }
            if (!res.warnings().isEmpty()) {
                System.err.println("backup " + res.id().substring(0, 12) + " is complete except for the " + res.warnings().size() + " item(s) above");
                return ExitCodes.INCOMPLETE;
            }
            return ExitCodes.OK;
        }
    }

    /** The latest backup of this source (same absolute path, host and kind), as restic picks a parent. */
    private int plan(BackupRunner runner) throws IOException {
        BackupPlan plan = runner.plan(source);
        for (String w : plan.warnings()) System.err.println("warning: " + w);
        if (r.json) {
            Output.json(plan);
        } else {
            for (BackupPlan.Entry e : plan.files()) System.out.printf(Locale.ROOT, "%-8s %10s  %s%n", e.reason(), Sizes.human(e.size()), e.path());
            System.err.printf(Locale.ROOT, "dry run of %s%s: %d of %d files to read (%s), %d unchanged, %d dirs%s; nothing written%n",
                    plan.source(), plan.parent() == null ? "" : " against " + plan.parent().substring(0, 12), plan.files().size(), plan.filesSeen(),
                    Sizes.human(plan.bytesToRead()), plan.filesUnchanged(), plan.dirs(), plan.excluded() > 0 ? ", " + plan.excluded() + " excluded" : "");
        }
        return ExitCodes.OK;
    }

    private Optional<String> sameSource(Repository repo) throws IOException {
        String src = source.toAbsolutePath().normalize().toString();
        String kind = Files.isDirectory(source) ? Manifest.DIR : Manifest.FILE;
        String host = RepoLock.hostname();
        return repo.latestBackup(m -> src.equals(m.source()) && host.equals(m.host()) && kind.equals(m.kind()));
    }
}
