package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.store.ObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.ForwardingObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataCacheTest {
    @TempDir
    Path tmp;

    /** A local store that looks remote and counts the reads of packs, index objects and manifests. */
    static final class CountingRemote extends ForwardingObjectStore {
        final AtomicInteger packReads = new AtomicInteger();
        final AtomicInteger metadataReads = new AtomicInteger();

        CountingRemote(ObjectStore inner) {
            super(inner);
        }

        @Override
        public byte[] get(String key) throws IOException {
            count(key);
            return inner.get(key);
        }

        @Override
        public byte[] get(String key, long offset, int length) throws IOException {
            count(key);
            return inner.get(key, offset, length);
        }

        private void count(String key) {
            if (key.startsWith("data/")) packReads.incrementAndGet();
            if (key.startsWith("index/") || key.startsWith("manifests/")) metadataReads.incrementAndGet();
        }

        @Override
        public String location() {
            return "test://" + inner.location();
        }
    }

    @BeforeEach
    void cacheHere() {
        System.setProperty("coffer.cache.dir", tmp.resolve("cache").toString());
    }

    @AfterEach
    void noCache() {
        System.clearProperty("coffer.cache.dir");
    }

    /** 300 directories of small files: a backup with many trees. */
    private Path source() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int d = 0; d < 300; d++) {
            Path dir = Files.createDirectories(src.resolve("d" + d / 30).resolve("e" + d));
            Files.write(dir.resolve("f"), Fixtures.text(d, 200));
        }
        return src;
    }

    @Test
    void theCacheStaysUnderItsBoundAndDropsWhatWasUsedLongestAgo() throws Exception {
        System.setProperty("coffer.cache.max", "100KiB");
        try {
            MetadataCache c = MetadataCache.of("ab".repeat(32));
            assertThat(c).isNotNull();
            java.util.List<String> names = new java.util.ArrayList<>();
            java.util.List<byte[]> objs = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                byte[] b = Fixtures.random(500 + i, 30_000);
                String name = Hex.of(Crypto.sha256(b, 0, b.length));
                names.add(name);
                objs.add(b);
                c.keep("manifests/" + name, b, b.length);
                Thread.sleep(15); // distinct times
                if (i >= 1) {
                    // the first one is used all along: it is kept over those written after it
                    assertThat(c.object("manifests/" + names.get(0), () -> { throw new IOException("must come from the cache"); })).isEqualTo(objs.get(0));
                    Thread.sleep(15);
                }
                assertThat(c.bytesHeld()).as("after " + (i + 1)).isLessThanOrEqualTo(100 << 10);
            }
            Path dir = tmp.resolve("cache").resolve("ab".repeat(32)).resolve("manifests");
            assertThat(dir.resolve(names.get(9))).as("the newest").exists();
            assertThat(dir.resolve(names.get(1))).as("written early, never used again").doesNotExist();
            assertThat(dir.resolve(names.get(0))).as("written first, used all along").exists();
            // an evicted entry is simply fetched again
            assertThat(c.object("manifests/" + names.get(1), () -> objs.get(1))).isEqualTo(objs.get(1));
        } finally {
            System.clearProperty("coffer.cache.max");
        }
        assertThat(MetadataCache.maxBytes()).isEqualTo(MetadataCache.DEFAULT_MAX);
        System.setProperty("coffer.cache.max", "512MiB");
        assertThat(MetadataCache.maxBytes()).isEqualTo(512L << 20);
        System.setProperty("coffer.cache.max", "lots");
        assertThat(MetadataCache.maxBytes()).isEqualTo(MetadataCache.DEFAULT_MAX);
        System.clearProperty("coffer.cache.max");
    }

    @Test
    void aNoChangeBackupReadsItsParentsTreesFromTheCacheNotTheStore() throws Exception {
        Path src = source();
        Path storeDir = tmp.resolve("store");
        String full, second;
        try (Repository repo = Repository.init(new CountingRemote(LocalObjectStore.open(storeDir)), InitOptions.defaults(), null)) {
            full = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        }
        // the writer kept what it stored; start from an empty cache to see it filled on reads
        try (Stream<Path> s = Files.walk(tmp.resolve("cache"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) Files.delete(p);
        }
        CountingRemote store = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(store, null)) {
            second = new BackupRunner(repo, BackupOptions.defaults().withParent(full)).run(src).id();
        }
        // the first run from this cache fetches each tree pack once, whole
        int treePacks = store.packReads.get();
        assertThat(treePacks).isBetween(1, 3);

        CountingRemote again = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(again, null)) {
            new BackupRunner(repo, BackupOptions.defaults().withParent(second)).run(src);
            assertThat(repo.readTree(repo.loadManifest(second).tree()).nodes()).isNotEmpty();
        }
        assertThat(again.packReads.get()).as("pack reads of a no-change backup with a warm cache").isZero();
        assertThat(again.metadataReads.get()).as("index and manifest reads with a warm cache").isZero();

        // without the cache, each tree pack is still read once, whole, and held in memory
        System.setProperty("coffer.cache.dir", "off");
        CountingRemote cold = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(cold, null)) {
            new BackupRunner(repo, BackupOptions.defaults().withParent(second)).run(src);
        }
        assertThat(cold.packReads.get()).as("tree pack reads with the cache off").isBetween(1, treePacks);
    }

    /** Backs up {@code src} into a new repository at {@code storeDir}; the backup's id. */
    private static String firstBackup(Path storeDir, Path src) throws IOException {
        try (Repository repo = Repository.init(new CountingRemote(LocalObjectStore.open(storeDir)), InitOptions.defaults(), null)) {
            return new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
        }
    }

    /** Tree packs in the index. */
    private static int treePacks(Repository repo) {
        int n = 0;
        for (PackInfo p : repo.index().packs()) if (p.type() == BlobType.TREE) n++;
        return n;
    }

    @Test
    void aCacheThatCannotBeWrittenCostsOneReadPerTreePackNotOnePerDirectory() throws Exception {
        Path src = source();
        Path storeDir = tmp.resolve("store");
        String full = firstBackup(storeDir, src);
        Path cache = tmp.resolve("cache");
        try (Stream<Path> s = Files.walk(cache)) { // empty it
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(cache)).toList()) Files.delete(p);
        }
        CountingRemote store = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(store, null)) {
            // the cache's tree directory becomes a file: every write into it fails (as on a full disk)
            Path trees;
            try (Stream<Path> s = Files.walk(cache)) {
                trees = s.filter(p -> p.getFileName().toString().equals("trees")).findFirst().orElseThrow();
            }
            Files.delete(trees);
            Files.write(trees, new byte[0]);
            new BackupRunner(repo, BackupOptions.defaults().withParent(full)).run(src);
            assertThat(store.packReads.get()).as("tree pack reads when the cache cannot keep them").isBetween(1, treePacks(repo));
        }
    }

    @Test
    void checkReadsEachTreePackOnceFromTheStore() throws Exception {
        Path storeDir = tmp.resolve("store");
        firstBackup(storeDir, source());
        CountingRemote store = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(store, null)) {
            var result = new io.coffer.check.Checker(repo).run(false);
            assertThat(result.ok()).as("%s", result.findings()).isTrue();
            assertThat(store.packReads.get()).as("pack reads of a structure check").isBetween(1, treePacks(repo));
        }
    }

    @Test
    void aDamagedTreeInAHeldPackIsNamedAndTheOtherTreesOfThatPackStillRead() throws Exception {
        System.setProperty("coffer.cache.dir", "off");
        Path src = source();
        Path storeDir = tmp.resolve("store");
        String id = firstBackup(storeDir, src);
        BlobId victim;
        List<BlobId> others = new java.util.ArrayList<>();
        try (Repository repo = Repository.open(LocalObjectStore.open(storeDir), null)) {
            Tree top = repo.readTree(repo.loadManifest(id).tree());
            Tree d0 = repo.readTree(top.nodes().get(0).subtree());
            victim = BlobId.parse(d0.nodes().get(0).subtree());
            for (Node n : d0.nodes().subList(1, d0.nodes().size())) others.add(BlobId.parse(n.subtree()));
            MasterIndex.Location loc = repo.index().find(victim);
            assertThat(others).allMatch(o -> repo.index().find(o).pack().equals(loc.pack()));
            Path pack;
            try (Stream<Path> s = Files.walk(storeDir.resolve("data"))) {
                pack = s.filter(p -> p.getFileName().toString().equals(loc.pack().id())).findFirst().orElseThrow();
            }
            byte[] b = Files.readAllBytes(pack);
            b[loc.offset() + loc.storedLength() / 2] ^= 0x10;
            Files.write(pack, b);
        }
        CountingRemote store = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(store, null)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> repo.readTree(victim.hex()))
                    .isInstanceOf(CorruptObjectException.class).hasMessageContaining(victim.hex().substring(0, 8));
            for (BlobId o : others) assertThat(repo.readTree(o.hex()).nodes()).isNotEmpty();
        }
    }

    @Test
    void whatAPruneRemovedLeavesTheCacheOnTheNextOpenAndRecentEntriesStay() throws Exception {
        Path src = source();
        Path storeDir = tmp.resolve("store");
        String first;
        try (Repository repo = Repository.init(new CountingRemote(LocalObjectStore.open(storeDir)), InitOptions.defaults(), null)) {
            first = new BackupRunner(repo, BackupOptions.defaults()).run(src).id();
            try (Stream<Path> s = Files.walk(src)) { // change every file: the second backup shares no tree with the first
                for (Path p : s.filter(Files::isRegularFile).toList()) Files.write(p, Fixtures.text(p.hashCode(), 300));
            }
            new BackupRunner(repo, BackupOptions.defaults().withParent(first)).run(src);
            repo.store().delete("manifests/" + first);
            new io.coffer.prune.Pruner(repo, 0.0).run();
        }
        Path cache = tmp.resolve("cache");
        List<Path> entries;
        try (Stream<Path> s = Files.walk(cache)) {
            entries = s.filter(Files::isRegularFile).toList();
        }
        // the cache still holds what the prune deleted; age every entry past the grace period
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(MetadataCache.YOUNG).minusSeconds(60));
        for (Path p : entries) Files.setLastModifiedTime(p, old);
        Path cacheDir = entries.get(0).getParent().getParent();
        Path recent = Files.write(cacheDir.resolve("index").resolve("ab".repeat(32)), new byte[] {1}); // stored by another process just now
        assertThat(names(storeDir.resolve("manifests"))).hasSize(1);
        assertThat(names(cacheDir.resolve("manifests"))).hasSizeGreaterThan(1);

        try (Repository repo = Repository.open(new CountingRemote(LocalObjectStore.open(storeDir)), null)) {
            assertThat(names(cacheDir.resolve("index"))).containsExactlyInAnyOrderElementsOf(
                    java.util.stream.Stream.concat(names(storeDir.resolve("index")).stream(), Stream.of(recent.getFileName().toString())).toList());
            java.util.Set<String> treePacks = new java.util.HashSet<>();
            for (PackInfo p : repo.index().packs()) if (p.type() == BlobType.TREE) treePacks.add(p.id());
            assertThat(names(cacheDir.resolve("trees"))).isNotEmpty().allMatch(treePacks::contains);
            assertThat(repo.manifestIds()).hasSize(1);
            assertThat(names(cacheDir.resolve("manifests"))).containsExactlyElementsOf(repo.manifestIds());
        }
    }

    /** The names of the files under {@code dir}, at any depth (store directories are sharded). */
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void damagedCacheEntriesAreNoticedAndReadFromTheStoreAgain() throws Exception {
        Path src = source();
        Path storeDir = tmp.resolve("store");
        String id = firstBackup(storeDir, src);
        try (Repository repo = Repository.open(new CountingRemote(LocalObjectStore.open(storeDir)), null)) {
            new BackupRunner(repo, BackupOptions.defaults().withParent(id)).run(src); // fills the cache
        }
        List<Path> cached;
        try (Stream<Path> s = Files.walk(tmp.resolve("cache"))) {
            cached = s.filter(Files::isRegularFile).toList();
        }
        assertThat(cached).anyMatch(p -> p.getParent().getFileName().toString().equals("trees"))
                .anyMatch(p -> p.getParent().getFileName().toString().equals("index"))
                .anyMatch(p -> p.getParent().getFileName().toString().equals("manifests"));
        for (Path p : cached) { // flip bytes in the middle of every entry, keeping its length
            byte[] b = Files.readAllBytes(p);
            for (int i = b.length / 3; i < b.length / 3 + 16 && i < b.length; i++) b[i] ^= (byte) 0x5a;
            Files.write(p, b);
        }
        CountingRemote store = new CountingRemote(LocalObjectStore.open(storeDir));
        try (Repository repo = Repository.open(store, null)) {
            Manifest m = repo.loadManifest(id);
            assertThat(m.stats().files()).isEqualTo(300);
            var result = new io.coffer.restore.RestoreRunner(repo, io.coffer.restore.RestoreOptions.defaults()).run(id, tmp.resolve("out"));
            assertThat(result.ok()).as("%s", result.errors()).isTrue();
        }
        assertThat(io.coffer.testing.TreeDigest.diff(io.coffer.testing.TreeDigest.of(src, java.util.Set.of("")),
                io.coffer.testing.TreeDigest.of(tmp.resolve("out"), java.util.Set.of("")))).isEmpty();
        assertThat(store.metadataReads.get()).as("damaged index and manifest entries are fetched again").isPositive();
    }
}
