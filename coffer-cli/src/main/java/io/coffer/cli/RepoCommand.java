package io.coffer.cli;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupPlan;
import io.coffer.backup.BackupProgress;
import io.coffer.backup.BackupResult;
import io.coffer.backup.BackupRunner;
import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.check.Finding;
import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.prune.Retention;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.PathPatterns;
import io.coffer.repo.RepoConfig;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import io.coffer.repo.TreeDiff;
import io.coffer.repo.TreeFind;
import io.coffer.repo.TreeWalker;
import io.coffer.restore.FileDump;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.stats.BackupStats;
import io.coffer.stats.RepoStats;
import io.coffer.sys.FileNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Offline commands that work on a repository directly, with no server. */
@Command(name = "repo", description = "Work on a repository directly (no server needed).")
final class RepoCommand {
    /** The subcommands, in help order; {@link Cli} adds only the one a run names (see there). */
    static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(Init.class, Backup.class, Restore.class, Dump.class, Ls.class, Find.class, Diff.class, Check.class, Forget.class, Prune.class, Unlock.class, Stats.class, RepoKeyCommand.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);


    @Command(name = "init", description = "Create a repository. It is encrypted when a password or key file is given.")
    static final class Init implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Option(names = "--compression", defaultValue = "zstd:1", description = "zstd:LEVEL or none (default ${DEFAULT-VALUE}).")
        String compression;

        @Option(names = "--chunk-avg", defaultValue = "1MiB", description = "Average content-defined chunk size, a power of two (default ${DEFAULT-VALUE}); min is a quarter, max four times.")
        String chunkAvg;

        @Option(names = "--db-block", defaultValue = "8KiB", description = "Fixed block size for database files (default ${DEFAULT-VALUE}: the page size of PostgreSQL, so an incremental stores exactly the pages that changed).")
        String dbBlock;

        @Option(names = "--image-block", defaultValue = "64KiB", description = "Fixed block size for raw images and devices (default ${DEFAULT-VALUE}).")
        String imageBlock;

        @Option(names = "--db-glob", paramLabel = "GLOB", description = "Files cut in fixed database blocks (repeatable; replaces the defaults: PostgreSQL base/ and global/, InnoDB *.ibd, ibdata*).")
        List<String> dbGlobs;

        @Option(names = "--pack-size", defaultValue = "32MiB", description = "Target pack size (default ${DEFAULT-VALUE}).")
        String packSize;

        @Override
        public Integer call() throws IOException {
            InitOptions o = InitOptions.defaults();
            String[] c = compression.split(":", 2);
            int level = c.length > 1 ? parseInt(c[1], "--compression level") : 1;
            o = o.withCompression(new RepoConfig.Compression(c[0], level));
            int avg = (int) Sizes.parse(chunkAvg);
            o = o.withChunker(avg / 4, avg, avg * 4);
            o = o.withFixed(new RepoConfig.Fixed((int) Sizes.parse(dbBlock), (int) Sizes.parse(imageBlock),
                    dbGlobs == null ? RepoConfig.DEFAULT_DATABASE_GLOBS : dbGlobs));
            long ps = Sizes.parse(packSize);
            o = o.withPackSize(ps, Math.min(ps, 8L << 20));
            Secret secret = r.secret();
            try (Repository repo = Repository.init(r.store(), o, secret)) {
                if (r.json) {
                    Output.json(Map.of("location", repo.store().location(), "id", repo.config().id(), "encrypted", repo.config().encrypted()));
                } else {
                    System.out.println("created " + (secret != null ? "encrypted " : "") + "repository " + repo.config().id() + " at " + repo.store().location());
                    if (secret == null && !r.quiet) System.err.println("note: the repository is not encrypted (give --password-file or --key-file to encrypt)");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "backup", description = "Back up a directory, a file, a raw image or a block device; prints the new backup's id.")
    static final class Backup implements Callable<Integer> {
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

    @Command(name = "restore", description = "Restore a backup (or one path of it) into TARGET.")
    static final class Restore implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(index = "0", paramLabel = "ID", description = "Backup id, unique prefix, or 'latest'.")
        String id;

        @Parameters(index = "1", paramLabel = "TARGET", description = "Directory to restore into (for file backups: the file or device to write).")
        Path target;

        @Option(names = "--path", paramLabel = "PATH", description = "Restore only this path of the backup (recreated under TARGET).")
        String path;

        @Option(names = "--allow-external-symlinks", description = "Create symlinks that point outside TARGET (they are never followed).")
        boolean externalSymlinks;

        @Option(names = "--threads", description = "Parallel readers/writers (default: cores + 1 for a local repository, 2 x cores and at least 4 for a remote one).")
        Integer threads;

        @Option(names = "--delete", description = "After a restore without errors, delete what TARGET (or the --path restored in it) holds that the backup does not.")
        boolean delete;

        @Option(names = "--exclude", paramLabel = "PATTERN", description = "Do not restore entries that match (repeatable; the patterns of repo backup --exclude).")
        List<String> excludes;

        @Option(names = "--include", paramLabel = "PATTERN", description = "Restore only entries that match, with all they hold (repeatable).")
        List<String> includes;

        @Override
        public Integer call() throws IOException {
            // bad patterns are refused before the repository is opened
            RestoreOptions o = RestoreOptions.defaults().withPath(path).withExternalSymlinks(externalSymlinks).withDelete(delete).withPatterns(excludes, includes);
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

    @Command(name = "ls", description = "List backups, or the files of one backup.")
    static final class Ls implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Backup whose files to list.")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "List only this path of the backup and what is below it.")
        String path;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open()) {
                if (id == null) {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    for (String mid : repo.manifestIds()) {
                        Manifest m = repo.loadManifest(mid);
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("id", mid);
                        row.put("time", m.time());
                        row.put("host", m.host());
                        row.put("source", m.source());
                        row.put("kind", m.kind());
                        row.put("parent", m.parent());
                        row.put("files", m.stats().files());
                        row.put("size", m.stats().logicalBytes());
                        row.put("tags", m.tags());
                        if (m.excludes() != null) row.put("excludes", m.excludes());
                        if (m.oneFileSystem() != null) row.put("oneFileSystem", true);
                        rows.add(row);
                    }
                    rows.sort((a, b) -> ((String) a.get("time")).compareTo((String) b.get("time")));
                    if (r.json) {
                        Output.json(rows);
                    } else {
                        System.out.printf("%-12s  %-19s  %-4s  %9s  %10s  %s%n", "ID", "TIME (UTC)", "KIND", "FILES", "SIZE", "SOURCE");
                        for (var row : rows) {
                            System.out.printf(Locale.ROOT, "%-12s  %-19s  %-4s  %9d  %10s  %s%n", ((String) row.get("id")).substring(0, 12),
                                    TIME.format(Instant.parse((String) row.get("time"))), row.get("kind"), (Long) row.get("files"),
                                    Sizes.human((Long) row.get("size")), row.get("source"));
                        }
                    }
                    return ExitCodes.OK;
                }
                String full = repo.resolveBackup(id);
                Manifest m = repo.loadManifest(full);
                List<Map<String, Object>> rows = new ArrayList<>();
                TreeWalker.Visitor print = (path, n) -> {
                    if (r.json) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("path", path);
                        row.put("type", n.type());
                        row.put("size", n.size());
                        row.put("mode", n.mode() == null ? null : String.format("%04o", n.mode()));
                        row.put("uid", n.uid());
                        row.put("gid", n.gid());
                        row.put("mtime", n.mtime() == null ? null : Instant.ofEpochSecond(0, n.mtime()).toString());
                        row.put("target", n.target() == null ? null : FileNames.display(n.target()));
                        if (n.xattrs() != null) row.put("xattrs", n.xattrs().keySet());
                        rows.add(row);
                    } else {
                        System.out.printf(Locale.ROOT, "%-8s %s %6s:%-6s %12s  %s  %s%s%n", n.type(), n.mode() == null ? "----" : String.format("%04o", n.mode()),
                                n.uid(), n.gid(), n.size() == null ? "" : Long.toString(n.size()),
                                n.mtime() == null ? "" : TIME.format(Instant.ofEpochSecond(0, n.mtime())), path,
                                Node.SYMLINK.equals(n.type()) ? " -> " + FileNames.display(n.target()) : "");
                    }
                };
                String sub = path == null ? "" : path.replaceAll("^/+|/+$", "");
                if (sub.isEmpty()) {
                    TreeWalker.walk(repo, m.tree(), "", null, print, null);
                } else {
                    Node n = TreeWalker.find(repo, m.tree(), sub);
                    String shown = String.join("/", sub.split("/+"));
                    print.visit(shown, n);
                    if (n.isDir()) TreeWalker.walk(repo, n.subtree(), shown, null, print, null);
                }
                if (r.json) Output.json(rows);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "check", description = "Verify the repository's structure; with --read-data, read and verify every blob.")
    static final class Check implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Option(names = "--read-data", description = "Read every pack and verify every blob's checksum.")
        boolean readData;

        @Option(names = "--read-data-subset", paramLabel = "n/t|x%",
                description = "Read and verify only part of the packs: the n-th of t parts (1/7 to 7/7 on seven days read each once), or x%% at random.")
        String subset;

        @Override
        public Integer call() throws IOException {
            if (readData && subset != null) throw new ApiException(ExitCodes.USAGE, "give --read-data or --read-data-subset, not both");
            Checker.Subset read;
            try {
                read = subset != null ? Checker.Subset.parse(subset) : readData ? Checker.Subset.ALL : null;
            } catch (IllegalArgumentException e) {
                throw new ApiException(ExitCodes.USAGE, "--" + e.getMessage());
            }
            try (Repository repo = r.open()) {
                Checker checker = new Checker(repo);
                CheckResult res;
                try (var line = new ProgressLine(r.quiet, () -> "check: " + checker.packsDone() + "/" + checker.packsTotal() + " packs read")) {
                    res = checker.run(read);
                }
                if (r.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("ok", res.ok());
                    out.put("backups", res.backups());
                    out.put("trees", res.trees());
                    out.put("packs", res.packs());
                    if (read != null) out.put("packsRead", res.packsRead());
                    out.put("blobsRead", res.blobsRead());
                    out.put("bytesRead", res.bytesRead());
                    out.put("findings", res.findings());
                    Output.json(out);
                } else {
                    for (Finding f : res.findings()) {
                        System.out.println(f.severity().name().toLowerCase(Locale.ROOT) + ": " + f.object() + ": " + f.message());
                        for (String a : f.affected()) System.out.println("    affects " + a);
                    }
                    System.out.printf(Locale.ROOT, "%s: %d backups, %d trees, %d packs%s%n", res.ok() ? "no errors" : "ERRORS FOUND",
                            res.backups(), res.trees(), res.packs(),
                            read == null ? "" : String.format(Locale.ROOT, ", %d blobs (%s) read and verified%s", res.blobsRead(), Sizes.human(res.bytesRead()),
                                    subset == null ? "" : " in " + res.packsRead() + " of the packs (subset " + subset + ")"));
                }
                return res.ok() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
            }
        }
    }

    @Command(name = "forget", description = "Remove backups, named or by a keep policy per group: host and source unless --group-by says otherwise (their data stays until prune).")
    static final class Forget implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(arity = "0..*", paramLabel = "ID", description = "Backups to remove (or give a --keep-* policy instead).")
        List<String> ids;

        @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest backups.")
        int last;

        @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent hours that have one (UTC).")
        int hourly;

        @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest backup of each of the N most recent days (UTC).")
        int daily;

        @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent ISO weeks.")
        int weekly;

        @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent months.")
        int monthly;

        @Option(names = "--keep-yearly", paramLabel = "N", description = "Keep the newest backup of each of the N most recent years.")
        int yearly;

        @Option(names = "--keep-within", paramLabel = "PERIOD", description = "Keep every backup younger than PERIOD before the newest one of its group (7d, 2w, 6m, 1y, 36h, 1y6m).")
        String within;

        @Option(names = "--keep-tag", paramLabel = "KEY=VALUE", description = "Keep every backup labelled so (repeatable: any of them).")
        Map<String, String> keepTags;

        @Option(names = {"-n", "--dry-run"}, description = "Say what would be forgotten; change nothing.")
        boolean dryRun;

        @Option(names = "--group-by", paramLabel = "FIELDS", defaultValue = "host,source",
                description = "Apply the policy to each group of backups alike in these fields: host, source, tags, comma-separated; '' for one group of all (default ${DEFAULT-VALUE}).")
        String groupBy;

        @Option(names = "--host", paramLabel = "HOST", description = "Apply the policy only to backups taken on this host (repeatable); the others are kept.")
        List<String> hosts;

        @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "Apply the policy only to backups labelled so (repeatable: all of them); the others are kept.")
        Map<String, String> onlyTags;

        @Option(names = "--prune", description = "Prune right after forgetting.")
        boolean prune;

        @Override
        public Integer call() throws IOException {
            if (ids == null) ids = List.of();
            Retention policy = new Retention(last, hourly, daily, weekly, monthly, yearly, within == null ? null : Retention.Within.parse(within), keepTags);
            if (!ids.isEmpty() && !policy.isEmpty()) throw new ApiException(ExitCodes.USAGE, "give backup ids or a --keep-* policy, not both");
            if (ids.isEmpty() && policy.isEmpty()) {
                throw new ApiException(ExitCodes.USAGE, "name the backups to forget, or give a keep policy (--keep-last N, --keep-daily N, --keep-within 30d, ...)");
            }
            List<String> fields = groupFields(groupBy);
            if (!ids.isEmpty() && (hosts != null || onlyTags != null)) {
                throw new ApiException(ExitCodes.USAGE, "--host and --tag select backups for a keep policy; named backups are forgotten whatever they are");
            }
            try (Repository repo = r.open()) {
                Map<String, Object> out = new LinkedHashMap<>();
                List<String> forget = new ArrayList<>();
                if (!ids.isEmpty()) {
                    for (String i : ids) forget.add(repo.resolveBackup(i)); // resolve all first: a bad id removes nothing
                } else {
                    out.put("groups", applyPolicy(repo, policy, fields, forget));
                }
                if (!dryRun) for (String f : forget) repo.store().delete("manifests/" + f);
                out.put("dryRun", dryRun);
                out.put("forgotten", forget);
                if (ids.isEmpty() && !r.json) {
                    System.out.println((dryRun ? "would forget " : "forgot ") + forget.size() + " backup(s)");
                } else if (!r.json) {
                    for (String f : forget) System.out.println((dryRun ? "would forget backup " : "forgot backup ") + f);
                }
                if (prune && !dryRun) {
                    PruneResult res = new Pruner(repo, Prune.MAX_UNUSED / 100.0).run();
                    if (r.json) out.put("prune", Prune.json(res));
                    else System.out.println(Prune.line(res));
                }
                if (r.json) Output.json(out);
                return ExitCodes.OK;
            }
        }

        static final List<String> GROUP_FIELDS = List.of("host", "source", "tags");

        /** The fields of --group-by, in the order given; a bad one is a usage error. */
        static List<String> groupFields(String spec) {
            List<String> fields = new ArrayList<>();
            for (String f : spec.split(",")) {
                f = f.strip();
                if (f.isEmpty()) continue;
                if (!GROUP_FIELDS.contains(f) || fields.contains(f)) {
                    throw new ApiException(ExitCodes.USAGE, "--group-by '" + spec + "': give host, source and tags, each at most once, comma-separated, or '' for one group of all backups");
                }
                fields.add(f);
            }
            return fields;
        }

        private static String field(Manifest m, String f) {
            return switch (f) {
                case "host" -> String.valueOf(m.host());
                case "source" -> String.valueOf(m.source());
                default -> new TreeMap<>(m.tags()).toString();
            };
        }

        /** Decides per group; adds the backups to forget; prints each decision unless --json. */
        private List<Map<String, Object>> applyPolicy(Repository repo, Retention policy, List<String> fields, List<String> forget) throws IOException {
            Map<List<String>, List<Retention.Candidate>> groups = new TreeMap<>((a, b) -> {
                for (int i = 0; i < a.size(); i++) {
                    int c = a.get(i).compareTo(b.get(i));
                    if (c != 0) return c;
                }
                return 0;
            });
            Map<List<String>, Map<String, String>> groupTags = new HashMap<>();
            for (String id : repo.manifestIds()) {
                Manifest m = repo.loadManifest(id);
                if (hosts != null && !hosts.contains(m.host())) continue;
                if (onlyTags != null && !m.tags().entrySet().containsAll(onlyTags.entrySet())) continue;
                List<String> key = new ArrayList<>(fields.size());
                for (String f : fields) key.add(field(m, f));
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new Retention.Candidate(id, Instant.parse(m.time()), m.tags()));
                groupTags.putIfAbsent(key, new TreeMap<>(m.tags()));
            }
            List<Map<String, Object>> result = new ArrayList<>();
            for (var g : groups.entrySet()) {
                List<Retention.Decision> decisions = policy.apply(g.getValue());
                List<Map<String, Object>> kept = new ArrayList<>(), gone = new ArrayList<>();
                if (!r.json) {
                    long k = decisions.stream().filter(Retention.Decision::keep).count();
                    String name = fields.isEmpty() ? "all backups" : String.join(":", g.getKey());
                    System.out.printf(Locale.ROOT, "%s: %d backup(s), keep %d, forget %d%n", name, decisions.size(), k, decisions.size() - k);
                }
                for (Retention.Decision d : decisions) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", d.backup().id());
                    row.put("time", d.backup().time().toString());
                    if (d.keep()) {
                        row.put("reasons", d.reasons());
                        kept.add(row);
                    } else {
                        gone.add(row);
                        forget.add(d.backup().id());
                    }
                    if (!r.json) {
                        System.out.printf(Locale.ROOT, "  %-6s  %s  %s  %s%n", d.keep() ? "keep" : "forget", d.backup().id().substring(0, 12),
                                d.backup().time(), String.join(", ", d.reasons()));
                    }
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < fields.size(); i++) {
                    row.put(fields.get(i), fields.get(i).equals("tags") ? groupTags.get(g.getKey()) : g.getKey().get(i));
                }
                row.put("kept", kept);
                row.put("forgotten", gone);
                result.add(row);
            }
            return result;
        }
    }

    @Command(name = "prune", description = "Delete data that no backup references; repack mostly-unused packs.")
    static final class Prune implements Callable<Integer> {
        static final int MAX_UNUSED = 50;

        @Mixin RepoOptions r;

        @Option(names = "--max-unused", defaultValue = "" + MAX_UNUSED, description = "Repack packs with more than this percentage of unused bytes (default ${DEFAULT-VALUE}).")
        int maxUnused;

        @Override
        public Integer call() throws IOException {
            if (maxUnused < 0 || maxUnused > 100) throw new IllegalArgumentException("--max-unused must be 0..100");
            try (Repository repo = r.open()) {
                PruneResult res = new Pruner(repo, maxUnused / 100.0).run();
                if (r.json) Output.json(json(res));
                else System.out.println(line(res));
                return ExitCodes.OK;
            }
        }

        static Map<String, Object> json(PruneResult res) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("backups", res.backups());
            out.put("packsBefore", res.packsBefore());
            out.put("packsDeleted", res.packsDeleted());
            out.put("packsRepacked", res.packsRepacked());
            out.put("packsWritten", res.packsWritten());
            out.put("garbagePacksDeleted", res.garbagePacksDeleted());
            out.put("bytesBefore", res.bytesBefore());
            out.put("bytesAfter", res.bytesAfter());
            out.put("bytesFreed", res.bytesFreed());
            return out;
        }

        static String line(PruneResult res) {
            return String.format(Locale.ROOT, "pruned: %d packs deleted, %d repacked into %d, %d leftover packs removed; %s freed (%s -> %s)",
                    res.packsDeleted(), res.packsRepacked(), res.packsWritten(), res.garbagePacksDeleted(),
                    Sizes.human(res.bytesFreed()), Sizes.human(res.bytesBefore()), Sizes.human(res.bytesAfter()));
        }
    }

    @Command(name = "dump", description = "Write one file of a backup to standard output, each block verified as it is read.")
    static final class Dump implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(index = "0", paramLabel = "ID", description = "Backup id, unique prefix, or 'latest'.")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "The file, as repo ls shows it (none for a backup of one file or image).")
        String path;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open()) {
                Manifest m = repo.loadManifest(repo.resolveBackup(id));
                Node file = FileDump.find(repo, m, path);
                java.io.OutputStream out = new java.io.BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 20);
                FileDump.write(repo, file, out);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "find", description = "Find files by name or path pattern in every backup (or those named), newest first.")
    static final class Find implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(arity = "1..*", paramLabel = "PATTERN", description = "A glob as for backup --exclude: a name at any depth (pg_hba.conf, *.conf), or a path from the top (base/16384/*).")
        List<String> patterns;

        @Option(names = "--backup", paramLabel = "ID", description = "Search only this backup (repeatable).")
        List<String> backups;

        @Override
        public Integer call() throws IOException {
            PathPatterns p = PathPatterns.of("find", patterns); // a bad one is refused before the repository is opened
            try (Repository repo = r.open()) {
                List<String> ids = new ArrayList<>();
                if (backups != null) for (String b : backups) ids.add(repo.resolveBackup(b));
                else ids.addAll(repo.manifestIds());
                Map<String, Manifest> byId = new HashMap<>();
                for (String id : ids) byId.put(id, repo.loadManifest(id));
                ids.sort(Comparator.comparing((String id) -> byId.get(id).time()).reversed());
                TreeFind find = new TreeFind(repo, p);
                List<Map<String, Object>> rows = new ArrayList<>();
                long total = 0, withMatches = 0;
                for (String id : ids) {
                    Manifest m = byId.get(id);
                    List<TreeFind.Match> found = find.in(m);
                    if (found.isEmpty()) continue;
                    total += found.size();
                    withMatches++;
                    if (r.json) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("id", id);
                        row.put("time", m.time());
                        row.put("host", m.host());
                        row.put("source", m.source());
                        List<Map<String, Object>> matches = new ArrayList<>();
                        for (TreeFind.Match x : found) {
                            Map<String, Object> e = new LinkedHashMap<>();
                            e.put("path", x.path());
                            e.put("type", x.node().type());
                            e.put("size", x.node().size());
                            e.put("mtime", x.node().mtime() == null ? null : Instant.ofEpochSecond(0, x.node().mtime()).toString());
                            matches.add(e);
                        }
                        row.put("matches", matches);
                        rows.add(row);
                    } else {
                        System.out.printf(Locale.ROOT, "backup %s  %s  %s%n", id.substring(0, 12), TIME.format(Instant.parse(m.time())), m.source());
                        for (TreeFind.Match x : found) {
                            Node n = x.node();
                            System.out.printf(Locale.ROOT, "  %-8s %12s  %s  %s%n", n.type(), n.size() == null ? "" : Long.toString(n.size()),
                                    n.mtime() == null ? "" : TIME.format(Instant.ofEpochSecond(0, n.mtime())), x.path());
                        }
                    }
                }
                if (r.json) Output.json(rows);
                else System.out.println(total + " match(es) in " + withMatches + (withMatches == 1 ? " backup" : " backups"));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "diff", description = "What changed between two backups: + added, - removed, M content, T type, U metadata (with --metadata).")
    static final class Diff implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(index = "0", paramLabel = "ID1", description = "The earlier backup (an id, a prefix, or latest).")
        String first;

        @Parameters(index = "1", paramLabel = "ID2", description = "The later backup.")
        String second;

        @Option(names = "--metadata", description = "List entries whose metadata alone changed (mode, owner, mtime, extended attributes).")
        boolean metadata;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open()) {
                String a = repo.resolveBackup(first), b = repo.resolveBackup(second);
                List<Map<String, Object>> changes = new ArrayList<>();
                TreeDiff.Summary sum = TreeDiff.compare(repo, a, b, c -> {
                    if (c.kind() == TreeDiff.Kind.METADATA && !metadata) return;
                    Node n = c.after() != null ? c.after() : c.before();
                    String path = c.path() + (n.isDir() && c.kind() != TreeDiff.Kind.TYPE ? "/" : "");
                    if (r.json) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("change", c.kind().name().toLowerCase(Locale.ROOT));
                        row.put("path", path);
                        if (c.kind() == TreeDiff.Kind.TYPE) row.put("types", List.of(c.before().type(), c.after().type()));
                        if (!c.what().isEmpty()) row.put("metadata", c.what());
                        changes.add(row);
                    } else {
                        String detail = c.kind() == TreeDiff.Kind.TYPE ? "  (" + c.before().type() + " -> " + c.after().type() + ")"
                                : c.kind() == TreeDiff.Kind.METADATA ? "  (" + String.join(", ", c.what()) + ")" : "";
                        System.out.println(c.kind().letter + "    " + path + detail);
                    }
                });
                if (r.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("from", a);
                    out.put("to", b);
                    out.put("changes", changes);
                    out.put("summary", sum);
                    Output.json(out);
                } else {
                    System.out.printf(Locale.ROOT, "%n%s -> %s: %d added (%s), %d removed (%s), %d modified, %d changed type, %d changed metadata only%n",
                            a.substring(0, 12), b.substring(0, 12), sum.added(), Sizes.human(sum.bytesAdded()), sum.removed(),
                            Sizes.human(sum.bytesRemoved()), sum.modified(), sum.typeChanged(), sum.metadata());
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "unlock", description = "Remove stale locks (of processes gone from this host, or not refreshed for 30 minutes); --remove-all removes every lock.")
    static final class Unlock implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Option(names = "--remove-all", description = "Remove every lock, also those of running processes: only when none uses the repository on any host.")
        boolean all;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open()) {
                List<String> removed = RepoLock.remove(repo, all);
                if (r.json) {
                    Output.json(Map.of("removed", removed));
                } else {
                    for (String l : removed) System.out.println("removed " + l);
                    System.out.println(removed.size() + " lock(s) removed");
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "stats", description = "Repository usage: logical and stored size, deduplication and compression ratios; of some backups: what they hold and what forgetting them would free.")
    static final class Stats implements Callable<Integer> {
        @Mixin RepoOptions r;

        @Parameters(arity = "0..*", paramLabel = "ID", description = "Only these backups: what they hold, and what forgetting them would free.")
        List<String> ids;

        @Override
        public Integer call() throws IOException {
            try (Repository repo = r.open()) {
                if (ids != null && !ids.isEmpty()) return backups(repo);
                RepoStats s = RepoStats.of(repo);
                if (r.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("backups", s.backups());
                    out.put("logicalBytes", s.logicalBytes());
                    out.put("uniqueBytes", s.uniqueBytes());
                    out.put("blobBytesStored", s.blobBytesStored());
                    out.put("storedBytes", s.storedBytes());
                    out.put("dedupRatio", s.dedupRatio());
                    out.put("compressionRatio", s.compressionRatio());
                    out.put("dataBlobs", s.dataBlobs());
                    out.put("treeBlobs", s.treeBlobs());
                    out.put("groupedBlobs", s.groupedBlobs());
                    out.put("groups", s.groups());
                    out.put("features", repo.config().requiredFeatures());
                    out.put("packs", s.packs());
                    out.put("objects", s.objects());
                    out.put("encrypted", repo.config().encrypted());
                    Output.json(out);
                } else {
                    System.out.printf(Locale.ROOT, "backups:            %d%n", s.backups());
                    System.out.printf(Locale.ROOT, "logical size:       %s%n", Sizes.human(s.logicalBytes()));
                    System.out.printf(Locale.ROOT, "unique data:        %s (dedup ratio %.2fx)%n", Sizes.human(s.uniqueBytes()), s.dedupRatio());
                    System.out.printf(Locale.ROOT, "stored blobs:       %s (compression ratio %.2fx)%n", Sizes.human(s.blobBytesStored()), s.compressionRatio());
                    System.out.printf(Locale.ROOT, "stored total:       %s in %d objects (%d packs)%n", Sizes.human(s.storedBytes()), s.objects(), s.packs());
                    System.out.printf(Locale.ROOT, "blobs:              %d data (%d of them in %d groups), %d tree%n", s.dataBlobs(), s.groupedBlobs(), s.groups(), s.treeBlobs());
                    System.out.printf(Locale.ROOT, "features:           %s%n", String.join(", ", repo.config().requiredFeatures()));
                }
                return ExitCodes.OK;
            }
        }

        private int backups(Repository repo) throws IOException {
            List<String> full = new ArrayList<>();
            for (String id : ids) full.add(repo.resolveBackup(id)); // all resolved first: a bad id prints nothing
            BackupStats s = BackupStats.of(repo, full);
            if (r.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("backups", full);
                out.put("files", s.files());
                out.put("logicalBytes", s.logicalBytes());
                out.put("blobs", s.blobs());
                out.put("rawBytes", s.rawBytes());
                out.put("storedBytes", s.storedBytes());
                out.put("exclusiveBlobs", s.exclusiveBlobs());
                out.put("exclusiveRawBytes", s.exclusiveRawBytes());
                out.put("exclusiveStoredBytes", s.exclusiveStoredBytes());
                Output.json(out);
            } else {
                System.out.printf(Locale.ROOT, "backups:            %d%n", s.backups());
                System.out.printf(Locale.ROOT, "files:              %d (%s when restored)%n", s.files(), Sizes.human(s.logicalBytes()));
                System.out.printf(Locale.ROOT, "data:               %s in %d blobs, %s stored%n", Sizes.human(s.rawBytes()), s.blobs(), Sizes.human(s.storedBytes()));
                System.out.printf(Locale.ROOT, "only in these:      %s in %d blobs, %s stored: what forgetting them and pruning frees%n",
                        Sizes.human(s.exclusiveRawBytes()), s.exclusiveBlobs(), Sizes.human(s.exclusiveStoredBytes()));
            }
            return ExitCodes.OK;
        }
    }

    static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + s + "' is not a number");
        }
    }

}
