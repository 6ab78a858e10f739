package io.coffer.repo;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whole tree packs of a remote repository, kept in memory while it is open, so that walking a
 * backup's trees costs one request per tree pack, not one per directory: with the metadata cache
 * turned off or unusable (a read-only or full disk), and for {@code check}, which reads the store
 * itself. A restore of 3,528 directories from Swift with the cache off planned in 16 s, one
 * request after another; with this it takes a few requests.
 *
 * <p>Bounded: at most {@link #BUDGET} bytes, least recently used first out; packs larger than
 * {@link #MAX_PACK} are never held (their blobs are read by range as before). Entries are soft
 * references, so a long-lived process under memory pressure gives them back. Nothing here is
 * trusted: every blob read from a held pack is verified against its id like any other, and a
 * pack whose blob fails is dropped and read from the store by range.
 */
final class TreePacks {
    static final long BUDGET = 32L << 20;
    static final long MAX_PACK = 16L << 20;

    interface Fetch {
        /** The whole pack, or null when it cannot be had whole (then blobs are read by range). */
        byte[] get() throws IOException;
    }

    private final LinkedHashMap<String, SoftReference<byte[]>> held = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Integer> sizes = new HashMap<>(); // guarded by this, as held and bytes
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Packs that could not be had whole (damaged, or of the wrong length): read by range only. */
    private final Set<String> byRange = ConcurrentHashMap.newKeySet();
    private long bytes;

    /** The pack, from memory or fetched once (concurrent readers of one pack wait for one fetch); null: read by range. */
    byte[] get(String packId, long packLength, Fetch fetch) throws IOException {
        if (packLength > MAX_PACK || byRange.contains(packId)) return null;
        byte[] b = held(packId);
        if (b != null) return b;
        Object lock = locks.computeIfAbsent(packId, k -> new Object());
        synchronized (lock) {
            try {
                b = held(packId);
                if (b != null) return b;
                b = fetch.get();
                if (b == null || b.length != packLength) {
                    byRange.add(packId);
                    return null;
                }
                hold(packId, b);
                return b;
            } finally {
                locks.remove(packId, lock);
            }
        }
    }

    /** Drops a pack one of whose blobs did not verify; its blobs are read by range from now on. */
    synchronized void drop(String packId) {
        byRange.add(packId);
        forget(packId);
    }

    /** Drops everything held (reads go to the store again). */
    synchronized void clear() {
        held.clear();
        sizes.clear();
        bytes = 0;
    }

    private synchronized byte[] held(String packId) {
        SoftReference<byte[]> r = held.get(packId);
        if (r == null) return null;
        byte[] b = r.get();
        if (b == null) forget(packId); // given back to the collector
        return b;
    }

    private synchronized void hold(String packId, byte[] b) {
        forget(packId);
        Iterator<Map.Entry<String, SoftReference<byte[]>>> it = held.entrySet().iterator();
        while (bytes + b.length > BUDGET && it.hasNext()) {
            String eldest = it.next().getKey();
            it.remove();
            Integer n = sizes.remove(eldest);
            if (n != null) bytes -= n;
        }
        held.put(packId, new SoftReference<>(b));
        sizes.put(packId, b.length);
        bytes += b.length;
    }

    private void forget(String packId) {
        if (held.remove(packId) != null) {
            Integer n = sizes.remove(packId);
            if (n != null) bytes -= n;
        }
    }
}
