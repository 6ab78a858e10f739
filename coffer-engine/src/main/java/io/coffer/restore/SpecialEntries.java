package io.coffer.restore;

import io.coffer.repo.Node;
import io.coffer.sys.FileNames;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a restore makes once every file's data is written: hard links (to the first path of
 * their group, unless that file failed), symlinks with their exact targets (never followed),
 * fifos and device nodes (as root). An entry in the way is replaced, never written through.
 */
final class SpecialEntries {
    private final Set<Path> createdDirs;
    private final Map<String, FileJob> linkGroups;
    private final List<String> errors;
    private final List<String> warnings;

    /** {@code createdDirs}: the directories this restore made, in which nothing can be in the way. */
    SpecialEntries(Set<Path> createdDirs, Map<String, FileJob> linkGroups, List<String> errors, List<String> warnings) {
        this.createdDirs = createdDirs;
        this.linkGroups = linkGroups;
        this.errors = errors;
        this.warnings = warnings;
    }

    /** Makes {@code n} at {@code p}, after every file's data: a failure is recorded, never thrown. */
    void restore(Path p, Node n) {
        boolean fresh = createdDirs.contains(p.getParent()); // nothing can be in the way there
        try {
            if (!fresh && Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.delete(p);
            switch (n.type()) {
                case Node.FILE -> {
                    FileJob first = linkGroups.get(n.link());
                    if (first.failed) {
                        errors.add(p + ": hard link to " + first.path + ", which could not be restored");
                        return;
                    }
                    Files.createLink(p, first.path);
                    return;
                }
                case Node.SYMLINK -> symlink(p, n.target());
                case Node.FIFO -> special(p, n.name(), tmp -> run("mkfifo", tmp.toString()));
                case Node.CHARDEV, Node.BLOCKDEV -> {
                    if (!Metadata.ROOT) {
                        warnings.add("device " + p + " not restored (needs root)");
                        return;
                    }
                    long rdev = n.rdev() == null ? 0 : n.rdev();
                    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
                    long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
                    special(p, n.name(), tmp -> run("mknod", tmp.toString(), n.type().equals(Node.CHARDEV) ? "c" : "b", Long.toString(major), Long.toString(minor)));
                }
                default -> {
                    warnings.add("unknown node type " + n.type() + " at " + p + " skipped");
                    return;
                }
            }
            Metadata.apply(p, n, fresh);
        } catch (IOException ex) {
            errors.add(p + ": cannot create " + n.type() + ": " + ex.getMessage());
        }
    }

    /**
     * A symlink with its exact target. The JDK's {@code createSymbolicLink} takes the target as a
     * path, which cannot hold bytes that are not UTF-8 and drops a doubled or trailing '/'; such a
     * target is made with symlink(2) itself.
     */
    private void symlink(Path p, String target) throws IOException {
        boolean jdk = FileNames.jdkTakes(target) && Path.of(target).toString().equals(target);
        if (!jdk && Posix.symlink(FileNames.encode(target), p)) return;
        Path t = FileNames.logical(target);
        if (!jdk && !t.toString().equals(target)) warnings.add("symlink " + p + ": this Java cannot write its target's bytes; made as " + t);
        Files.createSymbolicLink(p, t);
    }

    private interface Maker {
        void make(Path p) throws IOException;
    }

    /**
     * A fifo or device node, made by a command: at {@code p}, or, when its name is not UTF-8 (which a
     * command line cannot carry), beside it under a made-up name and then renamed.
     */
    private static void special(Path p, String name, Maker maker) throws IOException {
        if (!FileNames.escaped(name)) {
            maker.make(p);
            return;
        }
        Path tmp = p.resolveSibling(".coffer-special-" + Long.toHexString(System.nanoTime()));
        maker.make(tmp);
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Runs a command; its output is the message when it fails. */
    static void run(String... cmd) throws IOException {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(pr.getInputStream().readAllBytes()).trim();
            if (pr.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }
}
