package io.coffer.repo;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;

/**
 * The in-memory union of all index objects: blob id to its place, plus the known packs.
 *
 * <p>A repository of a 20 GiB database holds 2.6 million 8 KiB blocks, each a blob, and one of
 * 1 TiB 134 million: the table is kept outside the Java heap, in mapped segments of a deleted
 * temporary file ({@link MappedRecords}), so that the heap a command needs does not grow with the
 * data. Per blob: 32 bytes of id and 24 of place (offset, stored length, raw length, group
 * length, offset in group, pack and type), and a slot of an open-addressing table of entry
 * numbers (at most 3/4 full): 61-67 bytes, pages the kernel may write back and drop. A hash map
 * of records took about 250 bytes of heap a blob, and the packs' blob lists as many again. A
 * pack's blobs are the run of entries added with it ({@link PackInfo#blobs} is a view of them); a
 * blob listed by several packs has an entry in each, and the first one added is the one
 * {@link #find} gives.
 *
 * <p>Lookups run without a lock (a {@link StampedLock} optimistic read, retried under the read
 * lock when a pack was added meanwhile); adding a pack takes the write lock.
 */
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

    /** Entries per mapped segment of the entry file: 3.5 MiB. */
    static final int SEGMENT_BITS = 16;
    static final int SEGMENT = 1 << SEGMENT_BITS;
    /** Slots per mapped segment of the table: 4 MiB. */
    private static final int SLOT_SEGMENT_BITS = 20;
    /**
     * An entry: id (4 longs), then offset, stored length, raw length, group length, offset in
     * group, and pack ordinal << 2 | type (ints).
     */
    static final int ENTRY_BYTES = 4 * Long.BYTES + 6 * Integer.BYTES;
    private static final int OFFSET = 32, STORED = 36, RAW = 40, GROUP_LENGTH = 44, GROUP_OFFSET = 48, PACK = 52;
    private static final int MIN_SLOTS = 1 << 12;

    private final StampedLock lock = new StampedLock();
    private MappedRecords entries = new MappedRecords(ENTRY_BYTES, SEGMENT_BITS);
    /** Entry number + 1 per slot, 0 for a free one; {@link #slotCount} is a power of two. */
    private MappedRecords slots = newSlots(MIN_SLOTS);
    private long slotCount = MIN_SLOTS;
    /** Entries added (duplicates included). */
    private int size;
    /** Distinct blobs in the table. */
    private int distinct;
    private final List<PackInfo> byOrdinal = new ArrayList<>();
    private final Map<String, PackInfo> packs = new ConcurrentHashMap<>();

    private static MappedRecords newSlots(long n) {
        MappedRecords m = new MappedRecords(Integer.BYTES, (int) Math.min(SLOT_SEGMENT_BITS, Long.numberOfTrailingZeros(n)));
        m.ensure(n);
        return m;
    }

    /**
     * Adds a pack and its blobs; a pack already known is not added again. Blobs already known from
     * another pack keep their first place.
     */
    void add(PackInfo pack) {
        long stamp = lock.writeLock();
        try {
            if (packs.containsKey(pack.id())) return;
            int ordinal = byOrdinal.size();
            int first = size;
            List<Pack.Entry> blobs = pack.blobs();
            entries.ensure((long) size + blobs.size());
            ensureTable((long) distinct + blobs.size());
            for (Pack.Entry e : blobs) {
                int n = size++;
                BlobId id = e.id();
                entries.putLong(n, 0, id.a());
                entries.putLong(n, 8, id.b());
                entries.putLong(n, 16, id.c());
                entries.putLong(n, 24, id.d());
                entries.putInt(n, OFFSET, e.offset());
                entries.putInt(n, STORED, e.storedLength());
                entries.putInt(n, RAW, e.rawLength());
                entries.putInt(n, GROUP_LENGTH, e.groupLength());
                entries.putInt(n, GROUP_OFFSET, e.groupOffset());
                entries.putInt(n, PACK, ordinal << 2 | e.type().ordinal());
                insert(id, n);
            }
            PackInfo view = new PackInfo(pack.id(), pack.type(), pack.size(), new Entries(first, blobs.size()));
            byOrdinal.add(view);
            packs.put(pack.id(), view);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void insert(BlobId id, int n) {
        long m = slotCount - 1;
        for (long s = slot(id.a(), id.b(), m); ; s = (s + 1) & m) {
            int e = slots.getInt(s, 0);
            if (e == 0) {
                slots.putInt(s, 0, n + 1);
                distinct++;
                return;
            }
            if (sameId(e - 1, id)) return; // known from an earlier pack
        }
    }

    private static long slot(long a, long b, long mask) {
        long h = a ^ b; // ids are hashes: any of their bits are as good as a hash of them
        return (h ^ (h >>> 32)) & mask;
    }

    private boolean sameId(int n, BlobId id) {
        return entries.getLong(n, 0) == id.a() && entries.getLong(n, 8) == id.b()
                && entries.getLong(n, 16) == id.c() && entries.getLong(n, 24) == id.d();
    }

    private void ensureTable(long want) {
        if (want * 4 <= slotCount * 3) return;
        long cap = slotCount;
        while (want * 4 > cap * 3) cap <<= 1;
        MappedRecords grown = newSlots(cap);
        long m = cap - 1;
        for (long s = 0; s < slotCount; s++) {
            int e = slots.getInt(s, 0);
            if (e == 0) continue;
            long t = slot(entries.getLong(e - 1, 0), entries.getLong(e - 1, 8), m);
            while (grown.getInt(t, 0) != 0) t = (t + 1) & m;
            grown.putInt(t, 0, e);
        }
        slots.close();
        slots = grown;
        slotCount = cap;
    }

    /**
     * Sizes the table for about {@code n} blobs before a first load, so that it is not resized
     * (rehashing every entry) again and again while the index objects are read. Only while the
     * index is still empty.
     */
    void expect(int n) {
        long stamp = lock.writeLock();
        try {
            if (size == 0 && n > 0) ensureTable(n);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    void clear() {
        long stamp = lock.writeLock();
        try {
            entries.close();
            slots.close();
            entries = new MappedRecords(ENTRY_BYTES, SEGMENT_BITS);
            slots = newSlots(MIN_SLOTS);
            slotCount = MIN_SLOTS;
            size = 0;
            distinct = 0;
            byOrdinal.clear();
            packs.clear();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Closes the table's files (deleted already); what is mapped stays usable until the index
     * is dropped, so a repository used after its close still finds its blobs.
     */
    void close() {
        long stamp = lock.writeLock();
        try {
            entries.closeFile();
            slots.closeFile();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The entry number of blob {@code id}, or -1; under a lock or an optimistic read. */
    private int lookup(BlobId id) {
        long m = slotCount - 1;
        long s = slot(id.a(), id.b(), m);
        for (long probes = 0; probes <= m; s = (s + 1) & m, probes++) {
            int e = slots.getInt(s, 0);
            if (e == 0) return -1;
            if (sameId(e - 1, id)) return e - 1;
        }
        return -1;
    }

    public Location find(BlobId id) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                int n = lookup(id);
                Location loc = n < 0 ? null : location(n);
                if (lock.validate(stamp)) return loc;
            } catch (RuntimeException torn) {
                // a pack was being added: read again under the lock
            }
        }
        stamp = lock.readLock();
        try {
            int n = lookup(id);
            return n < 0 ? null : location(n);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** An empty set of blobs, a bit per entry of this index (see {@link BlobMarks}). */
    public BlobMarks newMarks() {
        long stamp = lock.readLock();
        try {
            return new BlobMarks(this, size);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** The entry number {@link #find} takes blob {@code id} from, or -1. */
    int entryOf(BlobId id) {
        long stamp = lock.readLock();
        try {
            return lookup(id);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    BlobId idOf(int n) {
        long stamp = lock.readLock();
        try {
            return new BlobId(entries.getLong(n, 0), entries.getLong(n, 8), entries.getLong(n, 16), entries.getLong(n, 24));
        } finally {
            lock.unlockRead(stamp);
        }
    }

    public boolean contains(BlobId id) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                boolean found = lookup(id) >= 0;
                if (lock.validate(stamp)) return found;
            } catch (RuntimeException torn) {
                // as in find
            }
        }
        stamp = lock.readLock();
        try {
            return lookup(id) >= 0;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private Location location(int n) {
        int packAndType = entries.getInt(n, PACK);
        return new Location(byOrdinal.get(packAndType >>> 2), BlobType.values()[packAndType & 3], entries.getInt(n, OFFSET),
                entries.getInt(n, STORED), entries.getInt(n, RAW), entries.getInt(n, GROUP_LENGTH), entries.getInt(n, GROUP_OFFSET));
    }

    private Pack.Entry entry(int n) {
        return new Pack.Entry(BlobType.values()[entries.getInt(n, PACK) & 3],
                new BlobId(entries.getLong(n, 0), entries.getLong(n, 8), entries.getLong(n, 16), entries.getLong(n, 24)),
                entries.getInt(n, OFFSET), entries.getInt(n, STORED), entries.getInt(n, RAW), entries.getInt(n, GROUP_LENGTH), entries.getInt(n, GROUP_OFFSET));
    }

    public int blobCount() {
        long stamp = lock.readLock();
        try {
            return distinct;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bytes the blob table takes, mapped or not (for tests that bound it). */
    long footprint() {
        long stamp = lock.readLock();
        try {
            return entries.capacity() * ENTRY_BYTES + slotCount * Integer.BYTES;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    public Collection<PackInfo> packs() {
        return Collections.unmodifiableCollection(packs.values());
    }

    public PackInfo pack(String id) {
        return packs.get(id);
    }

    /** The blobs of a pack: a view of its run of entries, each made when asked for. */
    final class Entries extends AbstractList<Pack.Entry> implements RandomAccess {
        private final int first;
        private final int count;

        Entries(int first, int count) {
            this.first = first;
            this.count = count;
        }

        @Override
        public Pack.Entry get(int i) {
            if (i < 0 || i >= count) throw new IndexOutOfBoundsException(i);
            long stamp = lock.readLock(); // the segments' array may be replaced by an add
            try {
                return entry(first + i);
            } finally {
                lock.unlockRead(stamp);
            }
        }

        @Override
        public int size() {
            return count;
        }
    }
}
