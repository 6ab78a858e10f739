package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.store.LocalObjectStore;
import io.coffer.store.ObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.ForwardingObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackerTest {
    @TempDir
    Path dir;

    /** A store whose pack uploads do not finish until released: a store far slower than the adders. */
    static final class StalledStore extends ForwardingObjectStore {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger packPuts = new AtomicInteger();

        StalledStore(ObjectStore inner) {
            super(inner);
        }

        @Override
        public void put(String key, ByteBuffer data) throws IOException {
            if (key.startsWith("data/")) {
                packPuts.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            inner.put(key, data);
        }
    }

    @Test
    void aSlowStoreHoldsAddersBackSoAtMostUploadersPlusOnePacksAreInMemory() throws Exception {
        StalledStore store = new StalledStore(LocalObjectStore.open(dir));
        var opts = InitOptions.defaults().withCompression(new RepoConfig.Compression("none", 0)).withPackSize(InitOptions.MIB, 64 * 1024);
        Repository repo = Repository.init(store, opts, null);
        int uploaders = 2, adders = 4, blob = 64 * 1024;
        Packer packer = repo.newPacker(uploaders);
        AtomicLong accepted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < adders; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 1000; i++) {
                        byte[] b = Fixtures.random(seed * 100_000L + i, blob);
                        packer.add(BlobType.DATA, repo.hash(b, 0, b.length), b, 0, b.length);
                        accepted.addAndGet(b.length);
                    }
                } catch (IOException e) {
                    // interrupted at the end of the test
                }
            }));
        }
        // wait until every adder is blocked and the stalled uploads have all started
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && !(store.packPuts.get() == uploaders && threads.stream().allMatch(PackerTest::blocked))) {
            Thread.sleep(10);
        }
        assertThat(store.packPuts.get()).as("pack uploads started").isEqualTo(uploaders);
        assertThat(threads).as("adders blocked: %s", threads.stream().map(Thread::getState).toList()).allMatch(PackerTest::blocked);
        long held = accepted.get();
        // the uploading packs, the open pack, and one blob in the hands of each adder
        assertThat(held).as("bytes accepted while the store is stalled").isLessThanOrEqualTo((uploaders + 1L) * InitOptions.MIB + (long) adders * blob);
        store.release.countDown();
        for (Thread t : threads) t.join();
        packer.flush();
        packer.close();
        assertThat(accepted.get()).isEqualTo((long) adders * 1000 * blob);
        assertThat(repo.index().blobCount()).isEqualTo(adders * 1000);
    }

    @Test
    void concurrentPackersShareTheProcessUploadSlots() throws Exception {
        var opts = InitOptions.defaults().withCompression(new RepoConfig.Compression("none", 0)).withPackSize(InitOptions.MIB, 64 * 1024);
        StalledStore a = new StalledStore(LocalObjectStore.open(dir.resolve("a")));
        StalledStore b = new StalledStore(LocalObjectStore.open(dir.resolve("b")));
        List<Thread> threads = new ArrayList<>();
        List<Packer> packers = new ArrayList<>();
        for (StalledStore store : List.of(a, b)) {
            Repository repo = Repository.init(store, opts, null);
            Packer packer = repo.newPacker(2); // alone, each could upload two packs at once
            packers.add(packer);
            for (int t = 0; t < 2; t++) {
                long seed = threads.size();
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            byte[] x = Fixtures.random(seed * 100_000L + i, 64 * 1024);
                            packer.add(BlobType.DATA, repo.hash(x, 0, x.length), x, 0, x.length);
                        }
                    } catch (IOException e) {
                        // not expected: the uploads are only stalled
                    }
                }));
            }
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && !(a.packPuts.get() + b.packPuts.get() == Packer.PROCESS_UPLOADS && threads.stream().allMatch(PackerTest::blocked))) {
            Thread.sleep(10);
        }
        Thread.sleep(200); // no further upload may start
        assertThat(a.packPuts.get() + b.packPuts.get()).as("packs uploading at once in the process").isEqualTo(Packer.PROCESS_UPLOADS);
        assertThat(Packer.processSlotsFree()).isZero();
        a.release.countDown();
        b.release.countDown();
        for (Thread t : threads) t.join();
        for (Packer p : packers) {
            p.flush();
            p.close();
        }
        assertThat(Packer.processSlotsFree()).as("every slot came back").isEqualTo(Packer.PROCESS_UPLOADS);
        assertThat(PackBuffers.PROCESS.inUse()).as("every pack buffer came back").isZero();
        assertThat(PackBuffers.PROCESS.held()).as("none kept once no packer is open").isZero();
    }

    @Test
    void aPackerClosedWhileItsUploadsAreStalledGivesItsProcessSlotsBack() throws Exception {
        StalledStore store = new StalledStore(LocalObjectStore.open(dir));
        var opts = InitOptions.defaults().withCompression(new RepoConfig.Compression("none", 0)).withPackSize(InitOptions.MIB, 64 * 1024);
        Repository repo = Repository.init(store, opts, null);
        Packer packer = repo.newPacker(2);
        Thread adder = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 200; i++) {
                    byte[] x = Fixtures.random(i, 64 * 1024);
                    packer.add(BlobType.DATA, repo.hash(x, 0, x.length), x, 0, x.length);
                }
            } catch (IOException e) {
                // interrupted by the close below
            }
        });
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && !(store.packPuts.get() == 2 && blocked(adder))) Thread.sleep(10);
        assertThat(Packer.processSlotsFree()).isEqualTo(Packer.PROCESS_UPLOADS - 2);
        adder.interrupt(); // a cancelled backup: the adder gives up, then the packer is closed
        adder.join();
        packer.close();
        assertThat(Packer.processSlotsFree()).isEqualTo(Packer.PROCESS_UPLOADS);
        assertThat(PackBuffers.PROCESS.inUse()).as("the open pack's and the stalled uploads' buffers came back").isZero();
    }

    @Test
    void aFailedUploadGivesItsBufferBackAndTheNextBackupGetsOne() throws Exception {
        var opts = InitOptions.defaults().withCompression(new RepoConfig.Compression("none", 0)).withPackSize(InitOptions.MIB, 64 * 1024);
        ObjectStore failing = new ForwardingObjectStore(LocalObjectStore.open(dir)) {
            @Override
            public void put(String key, ByteBuffer data) throws IOException {
                if (key.startsWith("data/")) throw new IOException("disk full (injected)");
                inner.put(key, data);
            }
        };
        Repository repo = Repository.init(failing, opts, null);
        Packer packer = repo.newPacker(2);
        IOException failed = null;
        try {
            for (int i = 0; i < 100 && failed == null; i++) {
                byte[] x = Fixtures.random(i, 64 * 1024);
                packer.add(BlobType.DATA, repo.hash(x, 0, x.length), x, 0, x.length);
            }
            packer.flush();
        } catch (IOException e) {
            failed = e;
        } finally {
            packer.close();
        }
        assertThat(failed).hasMessageContaining("injected");
        assertThat(PackBuffers.PROCESS.inUse()).as("no buffer of the failed backup is still counted").isZero();
    }

    private static boolean blocked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    @Test
    void aLargeIndexIsWrittenAsSeveralObjectsThatAllLoadBack() throws Exception {
        ObjectStore store = LocalObjectStore.open(dir);
        Repository repo = Repository.init(store, InitOptions.defaults(), new Secret.Password("pw".toCharArray()));
        List<PackInfo> packs = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(1);
        int[] sizes = {10_000, 10_000, 10_000, 30_000, 1, 5_000}; // one pack over the limit stands alone
        for (int s : sizes) {
            List<Pack.Entry> entries = new ArrayList<>();
            for (int i = 0; i < s; i++) {
                entries.add(new Pack.Entry(BlobType.DATA, new BlobId(rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()), i * 10, 10, 20));
            }
            packs.add(new PackInfo(Hex.of(Crypto.random(32)), BlobType.DATA, s * 10L, entries));
        }
        List<String> keys = repo.writeIndex(packs);
        // 20,000 | 10,000 (not 40,000) | 30,000 alone | 5,001
        assertThat(keys).hasSize(4);
        Repository again = Repository.open(store, new Secret.Password("pw".toCharArray()));
        assertThat(again.index().blobCount()).isEqualTo(65_001);
        assertThat(again.indexKeys()).containsExactlyInAnyOrderElementsOf(keys);
        for (PackInfo p : packs) {
            Pack.Entry e = p.blobs().get(p.blobs().size() - 1);
            assertThat(again.index().find(e.id()).pack().id()).isEqualTo(p.id());
        }
    }

    /**
     * Blobs that compress to almost nothing would fill a pack with hundreds of thousands of
     * entries, each held on the heap until the pack is indexed: a pack closes at
     * {@link Packer#MAX_PACK_BLOBS} blobs whatever its size.
     */
    @Test
    void aPackHoldsAtMostMaxPackBlobsBlobs() throws Exception {
        Repository repo = Repository.init(LocalObjectStore.open(dir), InitOptions.defaults(), null);
        Packer packer = repo.newPacker(2);
        int n = Packer.MAX_PACK_BLOBS * 2 + 100;
        byte[] b = new byte[64];
        for (int i = 0; i < n; i++) {
            java.nio.ByteBuffer.wrap(b).putInt(i);
            BlobId id = repo.hash(b, 0, b.length);
            assertThat(packer.add(BlobType.DATA, id, b, 0, b.length)).isTrue();
        }
        packer.flush();
        packer.close();
        Repository fresh = Repository.open(LocalObjectStore.open(dir), null);
        assertThat(fresh.index().blobCount()).isEqualTo(n);
        assertThat(fresh.index().packs()).hasSize(3).allSatisfy(p -> assertThat(p.blobs().size()).isLessThanOrEqualTo(Packer.MAX_PACK_BLOBS));
        for (int i = 0; i < n; i += 997) {
            java.nio.ByteBuffer.wrap(b).putInt(i);
            assertThat(fresh.readBlob(repo.hash(b, 0, b.length))).isEqualTo(b);
        }
    }
}
