package io.coffer.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Builds source trees that exercise every kind of file and metadata Coffer must keep. */
public final class Fixtures {
    private Fixtures() {}

    public static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static byte[] text(long seed, int n) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < n) sb.append("row ").append(r.nextInt(1000)).append(" value ").append(r.nextInt(50)).append('\n');
        return sb.substring(0, n).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code n} bytes shaped like a database's write-ahead log: records with a growing position,
     * each a full image of one of 66 hot 8 KiB pages (random, so incompressible alone)
     * with a few bytes changed, the pages in turn. Each image recurs 529 KiB after the last: out of
     * reach of zstd level 1's 512 KiB window, within level 3's 2 MiB.
     */
    public static byte[] walLike(long seed, int n) {
        Random r = new Random(seed);
        byte[][] pages = new byte[66][8192];
        for (byte[] p : pages) r.nextBytes(p);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(n + 8192 + 16);
        long lsn = 0;
        for (int i = 0; out.position() < n; i++) {
            out.putLong(lsn).putInt(r.nextInt(1000)).putInt(8192);
            byte[] page = pages[i % pages.length];
            for (int k = 0; k < 8; k++) page[r.nextInt(page.length)] = (byte) r.nextInt();
            out.put(page);
            lsn += 16 + 8192;
        }
        return java.util.Arrays.copyOf(out.array(), n);
    }

    /**
     * A tree with: nested and empty directories, empty/small/large/compressible/random files,
     * relative symlinks, hard links, a sparse file, a fifo, odd modes (setuid, 0600, 0700 dirs),
     * nanosecond mtimes and, when run as root, foreign owners.
     */
    public static void richTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("empty"));
        Files.createDirectories(root.resolve("private"));
        Files.write(root.resolve("empty.txt"), new byte[0]);
        Files.write(root.resolve("one.txt"), "x".getBytes(StandardCharsets.US_ASCII));
        Files.write(root.resolve("a/text.log"), text(1, 3_000_000));
        Files.write(root.resolve("a/b/random.bin"), random(2, 5_000_000));
        Files.write(root.resolve("a/b/c/small.cfg"), text(3, 999));
        Files.write(root.resolve("private/secret"), text(4, 4096));
        Files.setAttribute(root.resolve("private/secret"), "unix:mode", 0600);
        Files.setAttribute(root.resolve("private"), "unix:mode", 0700);
        Files.write(root.resolve("tool"), random(5, 10_000));
        Files.setAttribute(root.resolve("tool"), "unix:mode", 04755);
        Files.createSymbolicLink(root.resolve("link-rel"), Path.of("a/text.log"));
        Files.createSymbolicLink(root.resolve("a/b/up"), Path.of("../../one.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("does/not/exist"));
        Files.createLink(root.resolve("a/hard1"), root.resolve("a/b/c/small.cfg"));
        Files.createLink(root.resolve("hard2"), root.resolve("a/b/c/small.cfg"));
        try (RandomAccessFile raf = new RandomAccessFile(root.resolve("sparse.img").toFile(), "rw")) {
            raf.setLength(40L << 20);
            raf.seek(7L << 20);
            raf.write(random(6, 300_000));
            raf.seek((40L << 20) - 5000);
            raf.write(text(7, 100));
        }
        mkfifo(root.resolve("pipe"));
        if (isRoot()) {
            Files.setAttribute(root.resolve("a/text.log"), "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(root.resolve("a/text.log"), "unix:gid", 4321, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(root.resolve("link-rel"), "unix:uid", 777, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(root.resolve("a/b"), "unix:gid", 99, LinkOption.NOFOLLOW_LINKS);
        }
        Files.setLastModifiedTime(root.resolve("one.txt"), FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        Files.setLastModifiedTime(root.resolve("a/b/c"), FileTime.from(1_500_000_000_987_654_321L, TimeUnit.NANOSECONDS));
    }

    public static void mkfifo(Path p) throws IOException {
        try {
            Process pr = new ProcessBuilder("mkfifo", p.toString()).start();
            if (pr.waitFor() != 0) throw new IOException("mkfifo failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Rewrites {@code len} bytes at {@code offset} of a file in place. */
    public static void overwrite(Path f, long offset, byte[] data) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(data);
        }
    }

    /**
     * Flips the bits {@code mask} of the byte in the middle of the blob stored at {@code loc}, in
     * its pack in the local repository at {@code repoDir}; returns the pack's id.
     */
    public static String damage(Path repoDir, io.coffer.repo.MasterIndex.Location loc, int mask) throws IOException {
        String packId = loc.pack().id();
        try (RandomAccessFile raf = new RandomAccessFile(repoDir.resolve("data/" + packId.substring(0, 2) + "/" + packId).toFile(), "rw")) {
            long at = loc.offset() + loc.storedLength() / 2;
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ mask);
        }
        return packId;
    }

    /** A file node's chunk references, its chunk lists read. */
    public static java.util.List<String> chunks(io.coffer.repo.Repository repo, io.coffer.repo.Node file) throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        repo.forEachChunk(file, out::add);
        return out;
    }
}
