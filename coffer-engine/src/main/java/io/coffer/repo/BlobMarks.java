package io.coffer.repo;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A set of blobs as one bit per entry of the index ({@link MasterIndex#newMarks}): what prune
 * marks live and what stats count, for millions of blocks, in 16 MiB per 134 million blobs
 * instead of a hash set of ids (about 80 bytes each). Blobs the index does not know (missing
 * data) are kept by id beside the bits. Not thread-safe.
 */
public final class BlobMarks extends AbstractSet<BlobId> {
    private final MasterIndex index;
    private long[] bits;
    private int marked;
    private final Set<BlobId> unindexed = new HashSet<>();

    BlobMarks(MasterIndex index, int entries) {
        this.index = index;
        this.bits = new long[(entries + 63) >>> 6];
    }

    @Override
    public boolean add(BlobId id) {
        int n = index.entryOf(id);
        if (n < 0) return unindexed.add(id);
        if ((n >>> 6) >= bits.length) bits = Arrays.copyOf(bits, Math.max((n >>> 6) + 1, bits.length * 3 / 2));
        long bit = 1L << n;
        if ((bits[n >>> 6] & bit) != 0) return false;
        bits[n >>> 6] |= bit;
        marked++;
        return true;
    }

    /** The marked blobs that no index lists (their data is missing, or the index object that listed them is damaged). */
    public Set<BlobId> unindexed() {
        return java.util.Collections.unmodifiableSet(unindexed);
    }

    @Override
    public boolean contains(Object o) {
        if (!(o instanceof BlobId id)) return false;
        int n = index.entryOf(id);
        if (n < 0) return unindexed.contains(id);
        return (n >>> 6) < bits.length && (bits[n >>> 6] & 1L << n) != 0;
    }

    @Override
    public int size() {
        return marked + unindexed.size();
    }

    /** The marked blobs: those in the index first, in entry order, then the others. */
    @Override
    public Iterator<BlobId> iterator() {
        return new Iterator<>() {
            int word = 0;
            long rest = bits.length > 0 ? bits[0] : 0;
            final Iterator<BlobId> others = unindexed.iterator();

            @Override
            public boolean hasNext() {
                while (rest == 0 && word + 1 < bits.length) rest = bits[++word];
                return rest != 0 || others.hasNext();
            }

            @Override
            public BlobId next() {
                if (!hasNext()) throw new NoSuchElementException();
                if (rest == 0) return others.next();
                int n = (word << 6) + Long.numberOfTrailingZeros(rest);
                rest &= rest - 1;
                return index.idOf(n);
            }
        };
    }
}
