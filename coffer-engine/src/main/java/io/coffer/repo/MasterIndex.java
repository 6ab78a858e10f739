package io.coffer.repo;

import java.nio.ByteBuffer;
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
 * 1 TiB 134 million: the table is kept outside the Java heap, so that the memory a command needs
 * does not grow with the data. Per blob, an entry of 32 bytes of id and 24 of place (offset,
 * stored length, raw length, group length, offset in group, pack and type) in a deleted temporary
 * file read with positional reads ({@link EntryFile}: the page cache, not the process), and a
 * slot of 8 bytes (entry number and the id's hash) of an open-addressing table at most 3/4 full,
 * in mapped segments of another such file ({@link MappedRecords}): 10.7-21 bytes a blob of the
 * process's memory, pages the kernel may write back and drop. A lookup reads one entry, and only
 * when the hashes agree. A hash map of records took about 250 bytes of heap a blob, and the
 * packs' blob lists as many again. A
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

    /** Slots per mapped segment of the table: 8 MiB. */
    private static final int SLOT_SEGMENT_BITS = 20;
    /**
     * An entry: id (4 longs), then offset, stored length, raw length, group length, offset in
     * group, and pack ordinal << 2 | type (ints).
     */
    static final int ENTRY_BYTES = 4 * Long.BYTES + 6 * Integer.BYTES;
    private static final int OFFSET = 32, STORED = 36, RAW = 40, GROUP_LENGTH = 44, GROUP_OFFSET = 48, PACK = 52;
    private static final int MIN_SLOTS = 1 << 12;

    private final StampedLock lock = new StampedLock();
    private EntryFile entries = new EntryFile(ENTRY_BYTES);
    /**
     * Per slot: entry number + 1 (high int, 0 for a free slot) and the id's 32-bit hash (low int),
     * whose low bits are the slot's place: a probe reads an entry only when the hashes agree, and
     * the table grows without reading any. {@link #slotCount} is a power of two.
     */
    private MappedRecords slots = newSlots(MIN_SLOTS);
    private long slotCount = MIN_SLOTS;
    /** Entries added (duplicates included). */
    private int size;
    /** Distinct blobs in the table. */
    private int distinct;
    private final List<PackInfo> byOrdinal = new ArrayList<>();
    private final Map<String, PackInfo> packs = new ConcurrentHashMap<>();

    private static MappedRecords newSlots(long n) {
        MappedRecords m = new MappedRecords(Long.BYTES, (int) Math.min(SLOT_SEGMENT_BITS, Long.numberOfTrailingZeros(n)));
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
            ByteBuffer b = ByteBuffer.allocate(blobs.size() * ENTRY_BYTES);
            for (Pack.Entry e : blobs) {
                BlobId id = e.id();
                b.putLong(id.a()).putLong(id.b()).putLong(id.c()).putLong(id.d());
                b.putInt(e.offset()).putInt(e.storedLength()).putInt(e.rawLength()).putInt(e.groupLength()).putInt(e.groupOffset());
                b.putInt(ordinal << 2 | e.type().ordinal());
            }
            entries.append(first, b.flip());
            size += blobs.size();
            ensureTable((long) distinct + blobs.size());
            for (int i = 0; i < blobs.size(); i++) insert(blobs.get(i).id(), first + i);
            PackInfo view = new PackInfo(pack.id(), pack.type(), pack.size(), new Entries(first, blobs.size()));
            byOrdinal.add(view);
            packs.put(pack.id(), view);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private static int hash(BlobId id) {
        long h = id.a() ^ id.b(); // ids are hashes: any of their bits are as good as a hash of them
        return (int) (h ^ (h >>> 32));
    }

    private void insert(BlobId id, int n) {
        long m = slotCount - 1;
        int h = hash(id);
        for (long s = h & m; ; s = (s + 1) & m) {
            long v = slots.getLong(s, 0);
            if (v == 0) {
                slots.putLong(s, 0, (long) (n + 1) << 32 | (h & 0xffffffffL));
                distinct++;
                return;
            }
            if ((int) v == h && sameId((int) (v >>> 32) - 1, id)) return; // known from an earlier pack
        }
    }

    private boolean sameId(int n, BlobId id) {
        ByteBuffer e = entries.read(n);
        return e.getLong(0) == id.a() && e.getLong(8) == id.b() && e.getLong(16) == id.c() && e.getLong(24) == id.d();
    }

    private void ensureTable(long want) {
        if (want * 4 <= slotCount * 3) return;
        long cap = slotCount;
        while (want * 4 > cap * 3) cap <<= 1;
        if (cap > 1L << 32) throw new IllegalStateException("an index of more than 3 billion blobs");
        MappedRecords grown = newSlots(cap);
        long m = cap - 1;
        for (long s = 0; s < slotCount; s++) {
            long v = slots.getLong(s, 0);
            if (v == 0) continue;
            long t = (int) v & m;
            while (grown.getLong(t, 0) != 0) t = (t + 1) & m;
            grown.putLong(t, 0, v);
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
            entries = new EntryFile(ENTRY_BYTES);
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
     * Closes the table's files (deleted already) and unmaps the slots: their space and memory go
     * now, not when the collector finds them (a server opens a repository for every job). The
     * index is not used after.
     */
    void close() {
        long stamp = lock.writeLock();
        try {
            slots.close();
            entries.close();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * The entry number of blob {@code id}, or -1; under a lock or an optimistic read. When found,
     * this thread's entry buffer holds the entry ({@link #location(ByteBuffer)}).
     */
    private int lookup(BlobId id) {
        long m = slotCount - 1;
        int h = hash(id);
        long s = h & m;
        for (long probes = 0; probes <= m; s = (s + 1) & m, probes++) {
            long v = slots.getLong(s, 0);
            if (v == 0) return -1;
            if ((int) v == h && sameId((int) (v >>> 32) - 1, id)) return (int) (v >>> 32) - 1;
        }
        return -1;
    }

    public Location find(BlobId id) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                int n = lookup(id);
                Location loc = n < 0 ? null : location(entries.last()); // the entry the lookup matched
                if (lock.validate(stamp)) return loc;
            } catch (RuntimeException torn) {
                // a pack was being added: read again under the lock
            }
        }
        stamp = lock.readLock();
        try {
            int n = lookup(id);
            return n < 0 ? null : location(entries.last());
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
        ByteBuffer e = entries.read(n); // entries never change once added
        return new BlobId(e.getLong(0), e.getLong(8), e.getLong(16), e.getLong(24));
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

    private Location location(ByteBuffer e) {
        int packAndType = e.getInt(PACK);
        return new Location(byOrdinal.get(packAndType >>> 2), BlobType.values()[packAndType & 3], e.getInt(OFFSET),
                e.getInt(STORED), e.getInt(RAW), e.getInt(GROUP_LENGTH), e.getInt(GROUP_OFFSET));
    }

    private static Pack.Entry entry(ByteBuffer e, int at) {
        return new Pack.Entry(BlobType.values()[e.getInt(at + PACK) & 3],
                new BlobId(e.getLong(at), e.getLong(at + 8), e.getLong(at + 16), e.getLong(at + 24)),
                e.getInt(at + OFFSET), e.getInt(at + STORED), e.getInt(at + RAW), e.getInt(at + GROUP_LENGTH), e.getInt(at + GROUP_OFFSET));
    }

    public int blobCount() {
        long stamp = lock.readLock();
        try {
            return distinct;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bytes the blob table takes in the page cache or the heap: entries and slots (for tests that bound it). */
    long footprint() {
        long stamp = lock.readLock();
        try {
            return (long) size * ENTRY_BYTES + slotCount * Long.BYTES;
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

    /**
     * The blobs of a pack: a view of its run of entries, each made when asked for, read from the
     * entries' file {@value #WINDOW} at a time (one reader walks a pack's blobs in order).
     */
    final class Entries extends AbstractList<Pack.Entry> implements RandomAccess {
        static final int WINDOW = 512;
        private final int first;
        private final int count;
        private ByteBuffer window;
        private int windowStart = -1;
        private int windowCount;

        Entries(int first, int count) {
            this.first = first;
            this.count = count;
        }

        @Override
        public synchronized Pack.Entry get(int i) {
            if (i < 0 || i >= count) throw new IndexOutOfBoundsException(i);
            if (windowStart < 0 || i < windowStart || i >= windowStart + windowCount) {
                if (window == null) window = ByteBuffer.allocate(Math.min(WINDOW, count) * ENTRY_BYTES);
                windowStart = i;
                windowCount = Math.min(WINDOW, count - i);
                entries.read(first + i, windowCount, window); // entries never change once added
            }
            return entry(window, (i - windowStart) * ENTRY_BYTES);
        }

        @Override
        public int size() {
            return count;
        }
    }
}
