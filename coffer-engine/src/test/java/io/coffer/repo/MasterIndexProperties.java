package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The compact index against a plain map, and its memory per blob. */
class MasterIndexProperties {

    private static BlobId randomId(Random r) {
        return new BlobId(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
    }

    private static PackInfo pack(Random r, int blobs, List<BlobId> reuse) {
        List<Pack.Entry> es = new ArrayList<>();
        BlobType type = r.nextBoolean() ? BlobType.DATA : BlobType.TREE;
        for (int i = 0; i < blobs; i++) {
            BlobId id = !reuse.isEmpty() && r.nextInt(8) == 0 ? reuse.get(r.nextInt(reuse.size())) : randomId(r);
            es.add(new Pack.Entry(type, id, r.nextInt(1 << 25), 1 + r.nextInt(1 << 20), 1 + r.nextInt(1 << 20), r.nextInt(1 << 20), r.nextInt(1 << 20)));
        }
        return new PackInfo(Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()), type, r.nextInt(1 << 25), es);
    }

    @Property(tries = 60)
    void findsWhatTheFirstPackListingABlobSays(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int packs) {
        Random r = new Random(seed);
        MasterIndex index = new MasterIndex();
        Map<BlobId, Pack.Entry> first = new HashMap<>();
        Map<BlobId, String> firstPack = new HashMap<>();
        List<BlobId> seen = new ArrayList<>();
        List<PackInfo> added = new ArrayList<>();
        for (int p = 0; p < packs; p++) {
            PackInfo info = pack(r, r.nextInt(3000), seen);
            index.add(info);
            added.add(info);
            for (Pack.Entry e : info.blobs()) {
                if (first.putIfAbsent(e.id(), e) == null) firstPack.put(e.id(), info.id());
                seen.add(e.id());
            }
        }
        assertThat(index.blobCount()).isEqualTo(first.size());
        for (var e : first.entrySet()) {
            MasterIndex.Location loc = index.find(e.getKey());
            Pack.Entry want = e.getValue();
            assertThat(loc).isNotNull();
            assertThat(loc.pack().id()).isEqualTo(firstPack.get(e.getKey()));
            assertThat(List.of(loc.type(), loc.offset(), loc.storedLength(), loc.rawLength(), loc.groupLength(), loc.groupOffset()))
                    .isEqualTo(List.of(want.type(), want.offset(), want.storedLength(), want.rawLength(), want.groupLength(), want.groupOffset()));
        }
        for (int i = 0; i < 200; i++) assertThat(index.contains(randomId(r))).isFalse();
        for (PackInfo info : added) assertThat(index.pack(info.id()).blobs()).isEqualTo(info.blobs()); // duplicates listed by each pack
    }

    @Property(tries = 40)
    void marksHoldWhatWasAddedAsAHashSetWould(@ForAll long seed) {
        Random r = new Random(seed);
        MasterIndex index = new MasterIndex();
        List<BlobId> all = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            PackInfo info = pack(r, 1 + r.nextInt(2000), all);
            index.add(info);
            for (Pack.Entry e : info.blobs()) all.add(e.id());
        }
        BlobMarks marks = index.newMarks();
        java.util.Set<BlobId> want = new java.util.HashSet<>();
        for (int i = 0; i < 1500; i++) {
            BlobId id = r.nextInt(10) == 0 ? randomId(r) : all.get(r.nextInt(all.size())); // some the index does not know
            assertThat(marks.add(id)).isEqualTo(want.add(id));
        }
        assertThat(marks).hasSize(want.size());
        assertThat(new java.util.HashSet<>(marks)).isEqualTo(want);
        for (BlobId id : all) assertThat(marks.contains(id)).isEqualTo(want.contains(id));
    }

    /** Outside the heap (entries in the page cache, slots mapped), but bounded all the same. */
    @Test
    void aBlobTakesAtMost78Bytes() {
        Random r = new Random(7);
        MasterIndex index = new MasterIndex();
        int blobs = 0;
        for (int p = 0; p < 200; p++) {
            PackInfo info = pack(r, 2500, List.of());
            index.add(info);
            blobs += info.blobs().size();
        }
        // 56 bytes of entry, and a slot of 8 bytes in a table at least a quarter free
        assertThat(index.footprint()).isLessThanOrEqualTo(blobs * 78L);
    }

    @Test
    void withoutATemporaryDirectoryTheTableLivesOnTheHeap() {
        String old = System.getProperty(MappedRecords.DIR_PROPERTY);
        System.setProperty(MappedRecords.DIR_PROPERTY, "/nonexistent/coffer-index");
        try {
            Random r = new Random(3);
            MasterIndex index = new MasterIndex();
            PackInfo info = pack(r, 5000, List.of());
            index.add(info);
            for (Pack.Entry e : info.blobs()) assertThat(index.find(e.id()).rawLength()).isEqualTo(e.rawLength());
        } finally {
            if (old == null) System.clearProperty(MappedRecords.DIR_PROPERTY);
            else System.setProperty(MappedRecords.DIR_PROPERTY, old);
        }
    }

    @Test
    void readersSeeEveryBlobWhilePacksAreAdded() throws Exception {
        Random r = new Random(11);
        MasterIndex index = new MasterIndex();
        List<PackInfo> packs = new ArrayList<>();
        for (int p = 0; p < 300; p++) packs.add(pack(r, 500, List.of()));
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger visible = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    int upTo = visible.get();
                    for (int p = Math.max(0, upTo - 5); p < upTo; p++) {
                        for (Pack.Entry e : packs.get(p).blobs()) {
                            if (index.find(e.id()) == null) throw new AssertionError("blob of pack " + p + " not found");
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int p = 0; p < packs.size(); p++) {
            index.add(packs.get(p));
            visible.set(p + 1);
        }
        done.set(true);
        reader.join();
        assertThat(failure.get()).isNull();
    }
}
