package io.coffer.repo;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A local copy of a remote repository's small, immutable objects: index objects, manifests and
 * whole tree packs. All three are named by the SHA-256 of their content, so an entry is checked
 * against its name whenever it is read and a damaged or foreign entry is simply fetched again;
 * nothing in the cache is ever trusted beyond what the store itself would give. With it an
 * incremental or no-change backup reads its parent's trees without a request per directory.
 *
 * <p>Where: the {@code coffer.cache.dir} system property, else {@code COFFER_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/coffer}, else {@code ~/.cache/coffer}; one directory per repository id.
 * {@code off} turns it off. The cache may be deleted at any time.
 *
 * <p>Trimmed as the repository is used: each open drops cached index objects and tree packs the
 * store no longer holds (a prune removed them), and each listing of the backups drops cached
 * manifests of forgotten backups. So the cache holds the repository's live metadata and no more.
 *
 * <p>Bounded: past {@code coffer.cache.max} bytes ({@code COFFER_CACHE_MAX}; {@code 512MiB},
 * {@code 2GiB}...; default 2 GiB) per repository, the entries used longest ago go first (a read
 * marks an entry used), down to three quarters of the bound. Evicted entries are read from the
 * store again when needed.
 */
final class MetadataCache {
    interface Fetch {
        byte[] get() throws IOException;
    }

    static final long DEFAULT_MAX = 2L << 30;
    private static final String[] KINDS = {"index", "manifests", "trees"};

    private final Path dir;
    private final long max;
    /** Bytes the cache holds, counted once when first needed, then kept up to date; -1: not counted yet. */
    private long used = -1;

    private MetadataCache(Path dir, long max) {
        this.dir = dir;
        this.max = max;
    }

    /** The bound: {@code coffer.cache.max}, else {@code COFFER_CACHE_MAX}, else {@link #DEFAULT_MAX}; a bad value means the default. */
    static long maxBytes() {
        String v = System.getProperty("coffer.cache.max");
        if (v == null) v = System.getenv("COFFER_CACHE_MAX");
        if (v == null || v.isBlank()) return DEFAULT_MAX;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([KMGT]?)(?:i?B)?", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(v.trim());
        if (!m.matches()) return DEFAULT_MAX;
        int shift = switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            return Math.max(1, Long.parseLong(m.group(1)) << shift);
        } catch (NumberFormatException e) {
            return DEFAULT_MAX;
        }
    }

    /** The cache of repository {@code id}, or null when caching is off or the location is unusable. */
    static MetadataCache of(String id) {
        String base = System.getProperty("coffer.cache.dir");
        if (base == null) base = System.getenv("COFFER_CACHE_DIR");
        if (base == null) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            base = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("coffer").toString();
        }
        if (base.isBlank() || base.equals("off") || !Hex.isHex(id)) return null;
        try {
            Path d = Files.createDirectories(Path.of(base, id));
            Files.createDirectories(d.resolve("index"));
            Files.createDirectories(d.resolve("manifests"));
            Files.createDirectories(d.resolve("trees"));
            return new MetadataCache(d, maxBytes());
        } catch (IOException | RuntimeException e) {
            return null; // an unusable cache location only costs requests
        }
    }

    /** The content of {@code key} ({@code index/ID} or {@code manifests/ID}), from the cache or fetched and kept. */
    byte[] object(String key, Fetch fetch) throws IOException {
        String name = key.substring(key.indexOf('/') + 1);
        Path p = dir.resolve(key.substring(0, key.indexOf('/'))).resolve(name);
        byte[] cached = read(p, name);
        if (cached != null) return cached;
        byte[] b = fetch.get();
        if (Crypto.namedBy(b, name)) write(p, b);
        return b;
    }

    /**
     * Tree pack {@code packId} whole: from the cache when it holds the pack at its full length (its
     * blobs are verified as they are read), else fetched and kept. {@code whole} checks what it
     * fetches against the pack's name and answers null when it does not match; so does this.
     */
    byte[] treePack(String packId, long packLength, Fetch whole) throws IOException {
        Path p = dir.resolve("trees").resolve(packId);
        try {
            if (Files.size(p) == packLength) {
                byte[] b = Files.readAllBytes(p);
                touch(p);
                return b;
            }
        } catch (IOException missing) {
            // not cached
        }
        byte[] b = whole.get();
        if (b != null) write(p, b);
        return b;
    }

    /** Keeps an object this process has just stored ({@code index/ID}, {@code manifests/ID}, or {@code data/ID} of a tree pack). */
    void keep(String key, byte[] b, int length) {
        String kind = key.substring(0, key.indexOf('/'));
        Path p = dir.resolve(kind.equals("data") ? "trees" : kind).resolve(key.substring(key.indexOf('/') + 1));
        write(p, length == b.length ? b : java.util.Arrays.copyOf(b, length));
    }

    /** Entries younger than this stay even when the store does not list them yet (being stored). */
    static final java.time.Duration YOUNG = java.time.Duration.ofHours(1);

    /**
     * Deletes the cached entries of {@code kind} ({@code index}, {@code manifests} or {@code trees})
     * whose names are not in {@code live} and that are older than {@link #YOUNG} (another process
     * may have cached an object it stored but has not indexed yet). Returns how many went.
     */
    int trim(String kind, java.util.Set<String> live) {
        Path d = dir.resolve(kind);
        long cutoff = System.currentTimeMillis() - YOUNG.toMillis();
        int n = 0;
        try (var files = Files.newDirectoryStream(d)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (live.contains(name)) continue;
                try {
                    if (Files.getLastModifiedTime(p).toMillis() > cutoff) continue;
                    if (Files.deleteIfExists(p)) n++;
                } catch (IOException e) {
                    // gone already, or not ours to delete: a cache entry only costs space
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable cache directory is not worth failing for
        }
        return n;
    }

    /** Counts {@code bytes} more; past the bound, evicts the entries used longest ago (not {@code keep}). */
    private synchronized void added(Path keep, long bytes) {
        if (used < 0) {
            used = 0;
            for (Entry e : entries()) used += e.size();
        } else {
            used += bytes;
        }
        if (used <= max) return;
        List<Entry> all = entries();
        all.sort(java.util.Comparator.comparingLong(Entry::mtime));
        long target = max / 4 * 3;
        long total = 0;
        for (Entry e : all) total += e.size();
        for (Entry e : all) {
            if (total <= target) break;
            if (e.path().equals(keep)) continue;
            try {
                if (Files.deleteIfExists(e.path())) total -= e.size();
            } catch (IOException gone) {
                // another process's eviction, or not ours to delete
            }
        }
        used = total;
    }

    private record Entry(Path path, long size, long mtime) {}

    private List<Entry> entries() {
        List<Entry> out = new java.util.ArrayList<>();
        for (String kind : KINDS) {
            try (var files = Files.newDirectoryStream(dir.resolve(kind))) {
                for (Path p : files) {
                    if (p.getFileName().toString().contains(".tmp-")) continue;
                    try {
                        var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                        out.add(new Entry(p, a.size(), a.lastModifiedTime().toMillis()));
                    } catch (IOException gone) {
                        // removed meanwhile
                    }
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable directory is not counted
            }
        }
        return out;
    }

    /** Bytes the cache holds now (for tests). */
    long bytesHeld() {
        long n = 0;
        for (Entry e : entries()) n += e.size();
        return n;
    }

    /** Forgets a cached tree pack (a blob read from it did not verify). */
    void evictTree(String packId) {
        try {
            Files.deleteIfExists(dir.resolve("trees").resolve(packId));
        } catch (IOException e) {
            // read again from the store next time anyway: the blob check fails again
        }
    }

    private static byte[] read(Path p, String name) {
        try {
            byte[] b = Files.readAllBytes(p);
            if (Crypto.namedBy(b, name)) {
                touch(p);
                return b;
            }
            Files.deleteIfExists(p);
        } catch (IOException missing) {
            // not cached
        }
        return null;
    }

    /** Marks an entry used now: eviction takes the entries used longest ago first. */
    private static void touch(Path p) {
        try {
            Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // only the order of eviction suffers
        }
    }

    private void write(Path p, byte[] b) {
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp-" + Thread.currentThread().threadId());
        try {
            Files.write(tmp, b);
            try {
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
            added(p, b.length);
        } catch (IOException e) { // not cached: only costs a request next time
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
