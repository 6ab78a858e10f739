package io.coffer.sys;

import com.github.luben.zstd.util.ZstdVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where zstd-jni's native library is loaded from. Left alone, zstd-jni copies the library out of
 * the jar into the temporary directory on every start and loads it from there; on a host whose
 * {@code /tmp} is mounted {@code noexec} (a common hardening) that load fails, and with it every
 * command. So the library is kept in a directory of Coffer's own (the one the launcher names with
 * {@code -Dcoffer.native.dir}, next to the jar; else {@code $XDG_CACHE_HOME/coffer/native} or
 * {@code ~/.cache/coffer/native}), written once per version by an atomic rename and compared with
 * the jar's copy on every start, and loaded from there. When none of them works, zstd-jni does as
 * it always did, and a failure is reported by {@link #loadFailure}.
 */
public final class ZstdLibrary {
    private static final String OVERRIDE = "ZstdNativePath"; // zstd-jni's own property

    private ZstdLibrary() {}

    /** Prepares and loads the library; does nothing where zstd-jni has no Linux library or the path is set already. */
    public static void prepare() {
        if (System.getProperty(OVERRIDE) != null || !System.getProperty("os.name", "").startsWith("Linux")) return;
        String name = "libzstd-jni-" + ZstdVersion.VERSION + ".so";
        String resource = "/linux/" + System.getProperty("os.arch") + "/" + name;
        byte[] lib;
        try (InputStream in = ZstdLibrary.class.getResourceAsStream(resource)) {
            if (in == null) return;
            lib = in.readAllBytes();
        } catch (IOException e) {
            return;
        }
        for (Path dir : directories()) {
            try {
                if (!notWritableByOthers(dir)) continue;
                Path file = keep(dir, name, lib);
                System.load(file.toString());
                System.setProperty(OVERRIDE, file.toString()); // zstd-jni's own load of it is then a no-op
                return;
            } catch (IOException | UnsupportedOperationException | UnsatisfiedLinkError | SecurityException e) {
                // not writable, or mounted noexec: try the next one
            }
        }
    }

    /** The directories tried, in order. */
    static List<Path> directories() {
        List<Path> dirs = new ArrayList<>();
        String own = System.getProperty("coffer.native.dir");
        if (own != null && !own.isBlank()) dirs.add(Path.of(own));
        String cache = System.getenv("XDG_CACHE_HOME");
        String home = System.getenv("HOME");
        if (home == null || home.isBlank()) home = System.getProperty("user.home");
        if (cache != null && !cache.isBlank()) dirs.add(Path.of(cache, "coffer", "native"));
        else if (home != null && !home.isBlank() && !home.equals("?")) dirs.add(Path.of(home, ".cache", "coffer", "native"));
        return dirs;
    }

    /**
     * False for a directory that others may write to: a library loaded from there could be swapped
     * between the check of its bytes and the load. A directory that does not exist yet is made
     * by this user, under a parent that must pass the same test.
     */
    static boolean notWritableByOthers(Path dir) throws IOException {
        Path d = dir;
        while (d != null && !Files.exists(d)) d = d.getParent();
        if (d == null) return false;
        var perms = Files.getPosixFilePermissions(d);
        return !perms.contains(PosixFilePermission.GROUP_WRITE) && !perms.contains(PosixFilePermission.OTHERS_WRITE);
    }

    /** {@code dir/name} holding exactly {@code lib}, written now (atomically) if it does not. */
    static Path keep(Path dir, String name, byte[] lib) throws IOException {
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file) && Files.size(file) == lib.length && Arrays.equals(Files.readAllBytes(file), lib)) return file;
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        try {
            Files.write(tmp, lib);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--")); // other users may load it too
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** What to tell the user when a native library could not be loaded. */
    public static String loadFailure(LinkageError e) {
        String why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
        return "cannot load zstd's native library (" + why + "). Coffer keeps it in the directory of its jar or in "
                + "~/.cache/coffer/native, and zstd-jni falls back to the temporary directory (" + System.getProperty("java.io.tmpdir")
                + "): one of them must be writable and not mounted noexec; set XDG_CACHE_HOME to such a directory";
    }
}
