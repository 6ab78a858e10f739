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
 * <p>A repository of a 20 GiB database holds 2.6 million 8 KiB blocks, each a blob, so the
 * table is kept in primitive arrays, not in objects: per blob 32 bytes of id and 24 of place
 * (offset, stored length, raw length, group length, offset in group, pack and type), in segments
 * of {@value #SEGMENT} blobs, and an open-addressing table of entry numbers (at most 3/4 full).
 * That is 60-66 bytes a blob, where a hash map of records took about 250 (and the packs' blob
 * lists as many again). A pack's blobs are the run of entries added with it ({@link PackInfo#blobs}
 * is a view of them); a blob listed by several packs has an entry in each, and the first one added
 * is the one {@link #find} gives.
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

    static final int SEGMENT_BITS = 14;
    static final int SEGMENT = 1 << SEGMENT_BITS;
    private static final int MASK = SEGMENT - 1;
    /** Ints of place per entry: offset, stored, raw, group length, offset in group, pack ordinal << 2 | type. */
    private static final int FIELDS = 6;

    private final StampedLock lock = new StampedLock();
    private long[][] ids = new long[0][];
    private int[][] fields = new int[0][];
    /** Entries added (duplicates included). */
    private int size;
    /** Distinct blobs in {@link #table}. */
    private int distinct;
    /** Entry number + 1 per slot, 0 for a free one; the length is a power of two. */
    private int[] table = new int[1024];
    private final List<PackInfo> byOrdinal = new ArrayList<>();
    private final Map<String, PackInfo> packs = new ConcurrentHashMap<>();

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
            ensureEntries(size + blobs.size());
            ensureTable(distinct + blobs.size());
            for (Pack.Entry e : blobs) {
                int n = size++;
                long[] idSeg = ids[n >>> SEGMENT_BITS];
                int i = (n & MASK) * 4;
                BlobId id = e.id();
                idSeg[i] = id.a();
                idSeg[i + 1] = id.b();
                idSeg[i + 2] = id.c();
                idSeg[i + 3] = id.d();
                int[] f = fields[n >>> SEGMENT_BITS];
                int j = (n & MASK) * FIELDS;
                f[j] = e.offset();
                f[j + 1] = e.storedLength();
                f[j + 2] = e.rawLength();
                f[j + 3] = e.groupLength();
                f[j + 4] = e.groupOffset();
                f[j + 5] = ordinal << 2 | e.type().ordinal();
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
        int[] t = table;
        int m = t.length - 1;
        for (int s = slot(id, m); ; s = (s + 1) & m) {
            int e = t[s];
            if (e == 0) {
                t[s] = n + 1;
                distinct++;
                return;
            }
            if (sameId(e - 1, id)) return; // known from an earlier pack
        }
    }

    private static int slot(BlobId id, int mask) {
        long h = id.a() ^ id.b(); // ids are hashes: any of their bits are as good as a hash of them
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private boolean sameId(int n, BlobId id) {
        long[] seg = ids[n >>> SEGMENT_BITS];
        int i = (n & MASK) * 4;
        return seg[i] == id.a() && seg[i + 1] == id.b() && seg[i + 2] == id.c() && seg[i + 3] == id.d();
    }

    private void ensureEntries(int want) {
        int segs = (want + SEGMENT - 1) >>> SEGMENT_BITS;
        if (segs > ids.length) {
            int cap = Math.max(segs, ids.length + ids.length / 2 + 4);
            ids = java.util.Arrays.copyOf(ids, cap);
            fields = java.util.Arrays.copyOf(fields, cap);
        }
        for (int s = size >>> SEGMENT_BITS; s < segs; s++) {
            if (ids[s] != null) continue;
            ids[s] = new long[SEGMENT * 4];
            fields[s] = new int[SEGMENT * FIELDS];
        }
    }

    private void ensureTable(int want) {
        if ((long) want * 4 <= (long) table.length * 3) return;
        int cap = table.length;
        while ((long) want * 4 > (long) cap * 3) cap <<= 1;
        int[] nt = new int[cap];
        int m = cap - 1;
        for (int e : table) {
            if (e == 0) continue;
            int n = e - 1;
            long[] seg = ids[n >>> SEGMENT_BITS];
            int i = (n & MASK) * 4;
            long h = seg[i] ^ seg[i + 1];
            int s = (int) (h ^ (h >>> 32)) & m;
            while (nt[s] != 0) s = (s + 1) & m;
            nt[s] = e;
        }
        table = nt;
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
            ids = new long[0][];
            fields = new int[0][];
            size = 0;
            distinct = 0;
            table = new int[1024];
            byOrdinal.clear();
            packs.clear();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The entry number of blob {@code id}, or -1; under a lock or an optimistic read. */
    private int lookup(BlobId id) {
        int[] t = table;
        int m = t.length - 1;
        for (int s = slot(id, m), probes = 0; probes <= m; s = (s + 1) & m, probes++) {
            int e = t[s];
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
        int[] f = fields[n >>> SEGMENT_BITS];
        int j = (n & MASK) * FIELDS;
        int packAndType = f[j + 5];
        return new Location(byOrdinal.get(packAndType >>> 2), BlobType.values()[packAndType & 3], f[j], f[j + 1], f[j + 2], f[j + 3], f[j + 4]);
    }

    private Pack.Entry entry(int n) {
        long[] seg = ids[n >>> SEGMENT_BITS];
        int i = (n & MASK) * 4;
        int[] f = fields[n >>> SEGMENT_BITS];
        int j = (n & MASK) * FIELDS;
        return new Pack.Entry(BlobType.values()[f[j + 5] & 3], new BlobId(seg[i], seg[i + 1], seg[i + 2], seg[i + 3]), f[j], f[j + 1], f[j + 2], f[j + 3], f[j + 4]);
    }

    public int blobCount() {
        long stamp = lock.readLock();
        try {
            return distinct;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bytes of heap the blob table takes (for tests that bound it). */
    long footprint() {
        long stamp = lock.readLock();
        try {
            long segs = 0;
            for (long[] s : ids) if (s != null) segs++;
            return segs * SEGMENT * (4L * Long.BYTES + FIELDS * (long) Integer.BYTES) + (long) table.length * Integer.BYTES;
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
