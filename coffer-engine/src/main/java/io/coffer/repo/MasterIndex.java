package io.coffer.repo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory union of all index objects: blob id to its place, plus the known packs. */
public final class MasterIndex {
    /**
     * Where a blob is stored: alone ({@code groupLength} 0), or as the bytes
     * {@code [groupOffset, groupOffset + rawLength)} of a group of {@code groupLength} bytes stored
     * at {@code offset} (see {@link Pack.Entry}).
     */
    public record Location(PackInfo pack, BlobType type, int offset, int storedLength, int rawLength, int groupLength, int groupOffset) {
        public boolean grouped() {
            return groupLength > 0;
        }
    }

    private volatile Map<BlobId, Location> blobs = new ConcurrentHashMap<>();
    private final Map<String, PackInfo> packs = new ConcurrentHashMap<>();

    void add(PackInfo pack) {
        packs.put(pack.id(), pack);
        for (Pack.Entry e : pack.blobs()) {
            blobs.putIfAbsent(e.id(), new Location(pack, e.type(), e.offset(), e.storedLength(), e.rawLength(), e.groupLength(), e.groupOffset()));
        }
    }

    /**
     * Sizes the table for about {@code n} blobs before a first load, so that it is not resized
     * (rehashing every entry) again and again while the index objects are read. Only while the
     * index is still empty and unshared.
     */
    void expect(int n) {
        if (blobs.isEmpty() && n > 0) blobs = new ConcurrentHashMap<>(n + n / 3 + 16);
    }

    void clear() {
        blobs.clear();
        packs.clear();
    }

    public Location find(BlobId id) {
        return blobs.get(id);
    }

    public boolean contains(BlobId id) {
        return blobs.containsKey(id);
    }

    public int blobCount() {
        return blobs.size();
    }

    public Collection<PackInfo> packs() {
        return packs.values();
    }

    public PackInfo pack(String id) {
        return packs.get(id);
    }

    List<Map.Entry<BlobId, Location>> entries() {
        return new ArrayList<>(blobs.entrySet());
    }
}
