package io.coffer.repo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory union of all index objects: blob id to its place, plus the known packs. */
public final class MasterIndex {
    /** Where a blob is stored. */
    public record Location(PackInfo pack, BlobType type, int offset, int storedLength, int rawLength) {}

    private final Map<BlobId, Location> blobs = new ConcurrentHashMap<>();
    private final Map<String, PackInfo> packs = new ConcurrentHashMap<>();

    void add(PackInfo pack) {
        packs.put(pack.id(), pack);
        for (Pack.Entry e : pack.blobs()) {
            blobs.putIfAbsent(e.id(), new Location(pack, e.type(), e.offset(), e.storedLength(), e.rawLength()));
        }
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
