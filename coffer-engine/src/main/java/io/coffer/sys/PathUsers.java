package io.coffer.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes that use a file or a directory tree: their working directory, root directory or
 * an open file lies in it (what {@code fuser} and {@code lsof +D} show), and the loop devices an
 * image file backs. Read from Linux's {@code /proc} and {@code /sys}; elsewhere, or for processes
 * of other users when not run as root, nothing is found. A restore over a tree a running
 * database uses breaks that database, so a restore asks this first.
 */
public final class PathUsers {
    /** A process (pid 0: the kernel) using the tree, its command name and what of the tree it uses. */
    public record User(long pid, String command, String what) {
        @Override
        public String toString() {
            return pid == 0 ? command + " (" + what + ")" : command + " (pid " + pid + ", " + what + ")";
        }
    }

    private static final Path PROC = Path.of("/proc");
    private static final Path LOOPS = Path.of("/sys/block");

    private PathUsers() {}

    /** Everyone using {@code tree} (a directory and all below it, or one file), at most {@code limit} of them. */
    public static List<User> of(Path tree, int limit) {
        List<User> found = new ArrayList<>();
        Path real;
        try {
            real = tree.toRealPath();
        } catch (IOException e) {
            return found; // nothing there, nothing in use
        }
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path proc : procs) {
                if (found.size() >= limit) break;
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid == self) continue;
                String use = use(proc, real);
                if (use != null) found.add(new User(pid, command(proc), use));
            }
        } catch (IOException e) {
            // no /proc: nothing can be said
        }
        if (Files.isRegularFile(real)) loopDevices(real, found);
        return found;
    }

    /** What of {@code tree} the process uses, or null. */
    private static String use(Path proc, Path tree) {
        if (within(link(proc.resolve("cwd")), tree)) return "working directory";
        Path root = link(proc.resolve("root"));
        if (root != null && !root.equals(Path.of("/")) && within(root, tree)) return "root directory";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                Path target = link(fd);
                if (within(target, tree)) return "open file " + tree.relativize(target);
            }
        } catch (IOException | SecurityException e) {
            // gone, or another user's while not root
        }
        return null;
    }

    private static void loopDevices(Path image, List<User> found) {
        try (DirectoryStream<Path> devs = Files.newDirectoryStream(LOOPS, "loop*")) {
            for (Path dev : devs) {
                Path backing = dev.resolve("loop/backing_file");
                if (!Files.isReadable(backing)) continue;
                if (Files.readString(backing).strip().equals(image.toString())) {
                    found.add(new User(0, "loop device /dev/" + dev.getFileName(), "backed by the image"));
                }
            }
        } catch (IOException e) {
            // no loop devices
        }
    }

    private static boolean within(Path p, Path tree) {
        return p != null && p.startsWith(tree);
    }

    private static Path link(Path p) {
        try {
            return Files.readSymbolicLink(p);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    private static String command(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** The users as one phrase for a message: "postgres (pid 12, working directory), …". */
    public static String describe(List<User> users) {
        List<String> parts = new ArrayList<>();
        for (User u : users) parts.add(u.toString());
        return String.join(", ", parts);
    }
}
