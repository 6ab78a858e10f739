package io.coffer.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A manifest of a directory tree for bit-exact comparisons: per path its type, mode, owner,
 * mtime in nanoseconds, SHA-256 of the content, symlink target, hard-link group and, for files
 * with holes, that they are still sparse.
 */
public final class TreeDigest {
    private TreeDigest() {}

    public static Map<String, String> of(Path root) throws IOException {
        return of(root, Set.of());
    }

    /** {@code ignore}: relative paths left out (e.g. the mtime of a restore target directory). */
    public static Map<String, String> of(Path root, Set<String> ignore) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, String> inodes = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                String rel = rel(root, d);
                if (!ignore.contains(rel)) out.put(rel, "dir " + common(d));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                String rel = rel(root, f);
                if (ignore.contains(rel)) return FileVisitResult.CONTINUE;
                if (a.isSymbolicLink()) {
                    out.put(rel, "symlink -> " + Files.readSymbolicLink(f) + " " + owner(f));
                } else if (a.isRegularFile()) {
                    long nlink = ((Number) Files.getAttribute(f, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).longValue();
                    String group = "";
                    if (nlink > 1) {
                        Object key = a.fileKey();
                        String first = inodes.putIfAbsent(key, rel);
                        group = " linked-to " + (first == null ? rel : first) + " nlink " + nlink;
                    }
                    out.put(rel, "file " + common(f) + " size " + a.size() + " sha256 " + sha256(f) + group);
                } else {
                    int mode = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                    out.put(rel, "special " + Integer.toOctalString(mode) + " rdev " + Files.getAttribute(f, "unix:rdev", LinkOption.NOFOLLOW_LINKS) + " " + owner(f));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    private static String owner(Path p) throws IOException {
        return "uid " + Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + " gid " + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String common(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        FileTime m = (FileTime) Files.getAttribute(p, "unix:lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        return "mode " + Integer.toOctalString(mode & 07777) + " " + owner(p) + " mtime " + m.to(TimeUnit.NANOSECONDS);
    }

    public static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 20];
            int n;
            while ((n = in.read(b)) > 0) md.update(b, 0, n);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes allocated on disk for a file (st_blocks × 512), from stat(1). */
    public static long allocated(Path f) throws IOException {
        try {
            Process p = new ProcessBuilder("stat", "-c", "%b %B", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) throw new IOException("stat failed: " + out);
            String[] parts = out.split(" ");
            return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Differences between two digests, for readable assertion messages. */
    public static List<String> diff(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new HashSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys.stream().sorted().filter(k -> !java.util.Objects.equals(a.get(k), b.get(k)))
                .map(k -> k + ":\n   expected " + a.get(k) + "\n   actual   " + b.get(k)).toList();
    }
}
