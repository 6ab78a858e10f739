package io.coffer.csi;

import io.coffer.volume.Commands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Bind mounts and loop devices, by the system's own {@code mount}, {@code umount} and {@code losetup} ({@link Commands}). */
final class Mounts {
    private Mounts() {}

    /** True when something is mounted at {@code target} (from /proc/self/mountinfo). */
    static boolean mounted(Path target) throws IOException {
        String want = target.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4 && unescape(f[4]).equals(want)) return true;
        }
        return false;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static void bind(Path source, Path target, boolean readOnly) throws IOException {
        run("mount", "--bind", source.toString(), target.toString());
        if (readOnly) run("mount", "-o", "remount,bind,ro", target.toString());
    }

    static void unmount(Path target) throws IOException {
        run("umount", target.toString());
    }

    /** The loop device backed by {@code image}, attached now when none is. */
    static String loopOf(Path image) throws IOException {
        String existing = run("losetup", "-j", image.toString()).strip();
        if (!existing.isEmpty()) return existing.substring(0, existing.indexOf(':'));
        return run("losetup", "--find", "--show", image.toString()).strip();
    }

    /** Detaches the loop devices backed by {@code image}. */
    static void detachLoops(Path image) throws IOException {
        for (String line : run("losetup", "-j", image.toString()).split("\n")) {
            if (line.indexOf(':') > 0) run("losetup", "-d", line.substring(0, line.indexOf(':')));
        }
    }

    /** Runs a system tool; its trimmed output, or its failure as an IOException. */
    static String run(String... cmd) throws IOException {
        return Commands.check(List.of(cmd), 60);
    }
}
