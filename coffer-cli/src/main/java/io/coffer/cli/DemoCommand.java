package io.coffer.cli;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.check.Checker;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.repo.Secret;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A guided run of the engine on a local repository: builds sample data (files, a symlink, a hard
 * link, a sparse image, a fake database file), backs it up, changes it, backs it up incrementally,
 * restores both backups, compares them with the source byte for byte, and checks the repository.
 */
@Command(name = "demo", description = "Back up, change, back up incrementally, restore and verify sample data in a local repository.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the demo (default: ./.coffer-demo).")
    Path dir = Path.of(".coffer-demo");

    /**
     * The launcher's training run for the JVM's ahead-of-time cache (Java 25+): the work every
     * command does, on an encrypted repository and enough data for the JIT to see its hot paths,
     * in one process. Deletes what it made.
     */
    @Option(names = "--train", hidden = true)
    boolean train;

    @Override
    public Integer call() throws Exception {
        if (train) return train();
        Path base = dir.toAbsolutePath().normalize();
        if (Files.exists(base)) deleteTree(base);
        Path src = base.resolve("source");
        Path repo = base.resolve("repo");
        makeSample(src);
        say("sample data in " + src);
        step("coffer repo init --repo " + repo, "repo", "init", "--repo", repo.toString(), "-q");
        String full = capture("repo", "backup", "--repo", repo.toString(), src.toString());
        say("full backup: " + full);
        Files.writeString(src.resolve("docs/changed.txt"), "changed after the first backup\n");
        try (var ch = java.nio.channels.FileChannel.open(src.resolve("pgdata/base/16384/16385"), java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("one page rewritten in place".getBytes(StandardCharsets.UTF_8)), 3 * 8192);
        }
        String incr = capture("repo", "backup", "--repo", repo.toString(), "--parent", full, src.toString());
        say("incremental backup: " + incr);
        Path r2 = base.resolve("restore-incremental");
        step("coffer repo restore " + incr.substring(0, 12), "repo", "restore", "--repo", repo.toString(), incr, r2.toString(), "-q");
        boolean same = digest(src).equals(digest(r2));
        say(same ? "restored tree is identical to the source (content, modes, times, links)" : "MISMATCH between source and restore");
        step("coffer repo check --read-data", "repo", "check", "--repo", repo.toString(), "--read-data");
        step("coffer repo stats", "repo", "stats", "--repo", repo.toString());
        step("coffer repo ls", "repo", "ls", "--repo", repo.toString());
        say("demo finished; everything is under " + base);
        return same ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }

    private Integer train() throws Exception {
        Path base = dir.toAbsolutePath().normalize();
        if (Files.exists(base)) deleteTree(base);
        try {
            Path src = base.resolve("source");
            Path repo = base.resolve("repo");
            Path pw = base.resolve("password");
            makeSample(src);
            Random rnd = new Random(7);
            for (int d = 0; d < 20; d++) { // small files, as a home or web tree has
                Path dd = Files.createDirectories(src.resolve("small/d" + d));
                for (int f = 0; f < 100; f++) {
                    byte[] b = new byte[512 + rnd.nextInt(3584)];
                    for (int i = 0; i < b.length; i++) b[i] = (byte) ('a' + rnd.nextInt(26));
                    Files.write(dd.resolve("f" + f + ".txt"), b);
                }
            }
            byte[] pages = new byte[24 << 20]; // a database file in 8 KiB pages
            for (int i = 0; i < pages.length; i += 8192) {
                for (int j = 0; j < 600; j++) pages[i + rnd.nextInt(8192)] = (byte) rnd.nextInt(256);
            }
            Files.write(src.resolve("pgdata/base/16384/16390"), pages);
            Files.writeString(pw, "train\n");
            String r = repo.toString(), p = pw.toString();
            quiet("repo", "init", "--repo", r, "--password-file", p, "-q");
            String full = quiet("repo", "backup", "--repo", r, "--password-file", p, "-q", src.toString());
            quiet("repo", "backup", "--repo", r, "--password-file", p, "-q", "--parent", full, src.toString());
            try (var ch = java.nio.channels.FileChannel.open(src.resolve("pgdata/base/16384/16390"), java.nio.file.StandardOpenOption.WRITE)) {
                for (int i = 0; i < 64; i++) ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) i, 1, 2, 3}), (long) rnd.nextInt(pages.length / 8192) * 8192 + 100);
            }
            String incr = quiet("repo", "backup", "--repo", r, "--password-file", p, "-q", "--parent", full, src.toString());
            quiet("repo", "restore", "--repo", r, "--password-file", p, "-q", incr, base.resolve("restore").toString());
            quiet("repo", "check", "--repo", r, "--password-file", p, "--read-data");
            quiet("repo", "ls", "--repo", r, "--password-file", p, "--json");
            trainRemote(src.resolve("small"), base);
            return ExitCodes.OK;
        } finally {
            deleteTree(base);
        }
    }

    /**
     * The S3 and Swift stores' part of the training: a backup, a no-change backup, a restore and a
     * check of {@code src} in each, through the stores as a command opens them, against a
     * {@link TrainingObjectServer}. A failure here (no store module, no JDK HTTP server) only
     * leaves these paths untrained: it is reported on stderr and the training goes on.
     */
    private static void trainRemote(Path src, Path base) {
        String cacheProperty = "coffer.cache.dir";
        String oldCache = System.getProperty(cacheProperty);
        System.setProperty(cacheProperty, base.resolve("cache").toString());
        var secret = new Secret.Password("train".toCharArray());
        try (TrainingObjectServer server = new TrainingObjectServer()) {
            for (var location : List.of(
                    Map.entry("s3://coffer-train-s3/repo", server.s3Settings()), Map.entry("swift://coffer-train-swift/repo", server.swiftSettings()))) {
                try (var made = Repository.init(Stores.open(location.getKey(), location.getValue()),
                        InitOptions.defaults(), secret)) {
                    // made only to be opened as a command opens a repository
                }
                try (var repo = Repository.open(Stores.open(location.getKey(), location.getValue()), secret)) {
                    var full = new BackupRunner(repo, BackupOptions.defaults()).run(src);
                    new BackupRunner(repo, BackupOptions.defaults().withParent(full.id())).run(src);
                    var restored = new RestoreRunner(repo, RestoreOptions.defaults())
                            .run(full.id(), base.resolve("restore-" + location.getKey().substring(0, location.getKey().indexOf(':'))));
                    if (!restored.ok()) throw new IllegalStateException("restore from " + location.getKey() + ": " + restored.errors());
                    if (!new Checker(repo).run(false).ok()) throw new IllegalStateException("check of " + location.getKey() + " failed");
                }
            }
        } catch (Exception | LinkageError e) {
            System.err.println("training: the S3 and Swift stores were skipped: " + e);
        } finally {
            if (oldCache == null) System.clearProperty(cacheProperty);
            else System.setProperty(cacheProperty, oldCache);
        }
    }

    /** Runs a command with its standard output captured (returned) and its error output dropped. */
    private static String quiet(String... args) {
        var err = System.err;
        System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return capture(args);
        } finally {
            System.setErr(err);
        }
    }

    private static void say(String s) {
        System.out.println("== " + s);
    }

    private static void step(String title, String... args) {
        say(title);
        int rc = Cli.run(args);
        if (rc != 0) throw new IllegalStateException(title + " failed with exit code " + rc);
    }

    private static String capture(String... args) {
        var old = System.out;
        var buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Cli.run(args);
        } finally {
            System.setOut(old);
        }
        if (rc != 0) throw new IllegalStateException("coffer " + String.join(" ", args) + " failed with exit code " + rc);
        return buf.toString(StandardCharsets.UTF_8).trim();
    }

    private static void makeSample(Path src) throws IOException {
        Random rnd = new Random(42);
        Files.createDirectories(src.resolve("docs"));
        Files.createDirectories(src.resolve("empty-dir"));
        Files.createDirectories(src.resolve("pgdata/base/16384"));
        for (int i = 0; i < 50; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < 200 + rnd.nextInt(2000); j++) sb.append("line ").append(j).append(" of file ").append(i).append('\n');
            Files.writeString(src.resolve("docs/file-" + i + ".txt"), sb);
        }
        byte[] random = new byte[3 << 20];
        rnd.nextBytes(random);
        Files.write(src.resolve("random.bin"), random);
        byte[] pages = new byte[64 * 8192];
        for (int i = 0; i < pages.length; i += 97) pages[i] = (byte) i;
        Files.write(src.resolve("pgdata/base/16384/16385"), pages);
        try (var raf = new java.io.RandomAccessFile(src.resolve("disk.img").toFile(), "rw")) {
            raf.setLength(64L << 20);
            raf.seek(10L << 20);
            raf.write(random, 0, 1 << 20);
        }
        Files.createSymbolicLink(src.resolve("docs/latest"), Path.of("file-0.txt"));
        Files.createLink(src.resolve("docs/hardlink.txt"), src.resolve("docs/file-1.txt"));
    }

    /** Path -> type, mode, mtime and content hash, for comparing trees. */
    static TreeMap<String, String> digest(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                if (!d.equals(root)) out.put(root.relativize(d).toString(), "dir " + Files.getAttribute(d, "unix:mode", LinkOption.NOFOLLOW_LINKS));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String rel = root.relativize(f).toString();
                if (a.isSymbolicLink()) {
                    out.put(rel, "link " + Files.readSymbolicLink(f));
                } else {
                    out.put(rel, "file " + Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS) + " "
                            + a.lastModifiedTime().toInstant() + " " + sha256(f));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) md.update(b, 0, n);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
