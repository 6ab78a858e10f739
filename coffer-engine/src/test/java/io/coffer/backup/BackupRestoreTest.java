package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.check.CheckResult;
import io.coffer.check.Checker;
import io.coffer.prune.PruneResult;
import io.coffer.prune.Pruner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Manifest;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Secret;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRestoreTest {
    @TempDir
    Path tmp;
    Path src;
    Repository repo;

    @BeforeEach
    void setUp() throws IOException {
        src = tmp.resolve("src");
        Files.createDirectories(src);
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
    }

    BackupResult backup(String parent) throws IOException {
        return new BackupRunner(repo, BackupOptions.defaults().withParent(parent)).run(src);
    }

    RestoreResult restore(String id, Path target) throws IOException {
        return new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target);
    }

    void assertSameTree(Map<String, String> expected, Path actual) throws IOException {
        assertThat(TreeDigest.diff(expected, TreeDigest.of(actual))).isEmpty();
    }

    @Test
    void fullBackupRestoresBitExactWithAllMetadata() throws IOException {
        Fixtures.richTree(src);
        Map<String, String> before = TreeDigest.of(src);
        BackupResult b = backup(null);
        assertThat(b.warnings()).isEmpty();
        Path out = tmp.resolve("out");
        RestoreResult r = restore(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertSameTree(before, out);
        // holes stay holes
        assertThat(TreeDigest.allocated(out.resolve("sparse.img"))).isLessThan(2L << 20);
        assertThat(new Checker(repo).run(true).ok()).isTrue();
    }

    @Test
    void incrementalReadsOnlyChangedFilesAndEveryBackupRestoresOnItsOwn() throws IOException {
        Fixtures.richTree(src);
        Map<String, String> v1 = TreeDigest.of(src);
        BackupResult first = backup(null);
        Files.write(src.resolve("a/b/c/new.txt"), Fixtures.text(9, 20_000));
        Files.delete(src.resolve("one.txt"));
        Fixtures.overwrite(src.resolve("a/text.log"), 1_000_000, "CHANGED".getBytes());
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult second = backup(first.id());
        Manifest.Stats s = second.manifest().stats();
        assertThat(s.filesUnchanged()).isGreaterThanOrEqualTo(s.files() - 2 - 3); // new, changed, and its hard links
        assertThat(s.bytesRead()).as("only the changed and new files are read").isLessThan(3_100_000);
        assertThat(second.manifest().parent()).isEqualTo(first.id());
        assertSameTree(v2, restoreInto(second.id(), "r2"));
        assertSameTree(v1, restoreInto(first.id(), "r1"));
        // deleting the parent never breaks the child
        repo.store().delete("manifests/" + first.id());
        new Pruner(repo, 0.5).run();
        assertSameTree(v2, restoreInto(second.id(), "r3"));
        assertThat(new Checker(repo).run(true).ok()).isTrue();
    }

    @Test
    void anIncrementalCompressesItsLargeNewChunksHarderAndTheyRestoreExactly() throws IOException {
        // Chunk boundaries follow each repository's random gear seed. The page images recur 529 KiB
        // apart, beyond level 1's 512 KiB window and within level 3's 2 MiB; chunks of at least
        // 2 MiB hold recurrences wherever they are cut, so the saving does not depend on the seed.
        InitOptions big = InitOptions.defaults().withChunker(2 << 20, 4 << 20, 8 << 20);
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo1")), big, null);
        Files.write(src.resolve("small.txt"), Fixtures.text(1, 3_000));
        BackupResult first = backup(null);
        // new in the incremental, as a database's fresh WAL is in every one
        Files.write(src.resolve("wal.log"), Fixtures.walLike(2, 8 << 20));
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult second = backup(first.id());
        // the same tree in a full backup of another repository, at the repository's level
        Repository other = Repository.init(LocalObjectStore.open(tmp.resolve("repo2")), big, null);
        BackupResult full = new BackupRunner(other, BackupOptions.defaults()).run(src);
        long incremental = second.manifest().stats().newStoredBytes();
        long whole = full.manifest().stats().newStoredBytes();
        assertThat(incremental).as("stored by the incremental (%d) against the full backup (%d)", incremental, whole)
                .isLessThan(whole - whole / 5);
        assertSameTree(v2, restoreInto(second.id(), "r"));
        assertThat(new Checker(repo).run(true).ok()).isTrue();
    }

    private Path restoreInto(String id, String name) throws IOException {
        Path out = tmp.resolve(name);
        assertThat(restore(id, out).errors()).isEmpty();
        return out;
    }

    @Test
    void databaseFilesAreComparedBlockByBlockWithTheParent() throws IOException {
        Path rel = src.resolve("pgdata/base/16384");
        Files.createDirectories(rel);
        Path seg = rel.resolve("16385");
        Files.write(seg, Fixtures.random(11, 8 << 20));
        Files.createDirectories(src.resolve("pgdata/pg_wal"));
        Files.write(src.resolve("pgdata/pg_wal/000000010000000000000001"), Fixtures.random(12, 1 << 20));
        BackupResult first = backup(null);
        // rewrite three scattered 8 KiB pages in place
        for (long page : new long[] {3, 400, 901}) Fixtures.overwrite(seg, page * 8192, Fixtures.random(page, 8192));
        Map<String, String> v2 = TreeDigest.of(src);
        BackupResult second = backup(first.id());
        // three 8 KiB data blocks, plus the four directory listings on the path to the file
        assertThat(second.manifest().stats().newBlobs()).isEqualTo(3 + 4);
        assertThat(second.manifest().stats().bytesRead()).isEqualTo(8 << 20);
        assertSameTree(v2, restoreInto(second.id(), "db"));
    }

    @Test
    void blocksOfRegionsBackedUpSideBySideAreWrittenBackInLongRuns() throws IOException {
        // A relation file of three 64 MiB regions, and two smaller ones: the two workers add their
        // 8 KiB blocks to one pack in turns, so in pack order a file's blocks rarely follow one
        // another. The restore decodes each range in file order and writes runs of blocks.
        Path rel = Files.createDirectories(src.resolve("pgdata/base/5"));
        int pages = (int) ((2 * BackupRunner.FIXED_REGION) / 8192) + 1000;
        byte[] page = Fixtures.text(31, 8192);
        try (var ch = java.nio.channels.FileChannel.open(rel.resolve("16397"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(page);
            for (int i = 0; i < pages; i++) { // distinct, compressible pages: the page number leads each
                page[0] = (byte) i;
                page[1] = (byte) (i >>> 8);
                page[2] = (byte) (i >>> 16);
                bb.clear();
                while (bb.hasRemaining()) ch.write(bb);
            }
        }
        Files.write(rel.resolve("16398"), Fixtures.random(32, 3 << 20));
        Files.write(rel.resolve("16399"), Fixtures.random(33, 5 << 20));
        Map<String, String> before = TreeDigest.of(src);
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults().withThreads(2)).run(src);
        Path out = tmp.resolve("out");
        RestoreRunner runner = new RestoreRunner(repo, RestoreOptions.defaults());
        RestoreResult r = runner.run(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertSameTree(before, out);
        long blocks = pages + (8L << 20) / 8192;
        // one call per page was 17,000 calls; runs of the usual 4 MiB ranges, written 256 KiB at a
        // time (AlignedIo.SLICE), take one per 32 blocks
        assertThat(runner.writeCalls()).isLessThan(blocks / 16);
        // and no call moves more than a slice: large calls are slow on some hosts (AlignedIo's note)
        assertThat(runner.writeCalls()).isGreaterThanOrEqualTo(blocks * 8192 / io.coffer.sys.AlignedIo.SLICE);
    }

    @Test
    void repeatedBlocksIdenticalFilesAndLongRunsRestoreBitExact() throws IOException {
        // a relation file whose 16 KiB blocks repeat (one blob written to many places, often
        // back to back) between unique ones, with all-zero blocks and all-zero pages inside
        // otherwise non-zero blocks
        Path rel = Files.createDirectories(src.resolve("pgdata/base/1"));
        byte[] a = Fixtures.random(21, 16 << 10);
        byte[] b = Fixtures.random(22, 16 << 10);
        java.util.Arrays.fill(b, 4096, 8192, (byte) 0);
        byte[] file = new byte[12 << 20];
        long dataBlocks = 0;
        for (int i = 0; i < file.length / (16 << 10); i++) {
            int k = i % 11;
            byte[] blk = k < 4 ? Fixtures.random(1000 + i, 16 << 10) : k < 8 ? a : k < 10 ? b : null;
            if (blk == null) continue; // an all-zero block
            System.arraycopy(blk, 0, file, i * (16 << 10), 16 << 10);
            dataBlocks++;
        }
        Files.write(rel.resolve("1259"), file);
        Files.write(rel.resolve("1259_fsm"), file); // the same content again, in another file
        // ordinary files: one larger than a write batch, and many identical small ones
        Files.write(src.resolve("big.bin"), Fixtures.random(23, 11 << 20));
        Path same = Files.createDirectories(src.resolve("same"));
        for (int i = 0; i < 50; i++) Files.write(same.resolve("f" + i), Fixtures.random(24, 3000));
        Map<String, String> before = TreeDigest.of(src);
        BackupResult r = backup(null);
        // stored: big.bin and the unique blocks (random), and little else
        long unique = (file.length / (16 << 10) + 10) / 11 * 4 * (16L << 10);
        assertThat(r.manifest().stats().newStoredBytes()).isBetween((11L << 20) + unique, (11L << 20) + unique + (256 << 10));
        Path out = tmp.resolve("out");
        RestoreResult res = restore(r.id(), out);
        assertThat(res.errors()).isEmpty();
        // every non-zero block is written, to each of its places
        assertThat(res.bytes()).isEqualTo(2 * dataBlocks * (16 << 10) + (11 << 20) + 50 * 3000);
        assertSameTree(before, out);
    }

    @Test
    void aSparseImageIsBackedUpAsFixedBlocksAndRestoresSparse() throws IOException {
        Path img = tmp.resolve("disk.img");
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(256L << 20);
            for (int i = 0; i < 8; i++) {
                raf.seek(i * (30L << 20) + 4096);
                raf.write(Fixtures.random(i, 1 << 20));
            }
        }
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(img);
        assertThat(b.manifest().kind()).isEqualTo(Manifest.FILE);
        assertThat(b.manifest().stats().zeroBytes()).isGreaterThan(240L << 20);
        assertThat(b.manifest().stats().newStoredBytes()).isLessThan(9L << 20);
        Path out = tmp.resolve("restored.img");
        assertThat(restore(b.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.sha256(out)).isEqualTo(TreeDigest.sha256(img));
        assertThat(Files.size(out)).isEqualTo(256L << 20);
        assertThat(TreeDigest.allocated(out)).isLessThan(12L << 20);
        // restoring into a directory puts the image inside it under its name
        Path dir = Files.createDirectories(tmp.resolve("images"));
        assertThat(restore(b.id(), dir).errors()).isEmpty();
        assertThat(TreeDigest.sha256(dir.resolve("disk.img"))).isEqualTo(TreeDigest.sha256(img));
    }

    @Test
    void holesOfASparseImageAreNotReadAndDataAroundThemComesBackExactly() throws IOException {
        // data that starts and ends inside 64 KiB blocks, a hole at the end, a size that is not a
        // multiple of the block, and a last partial block that holds data
        Path img = tmp.resolve("odd.img");
        long size = (200L << 20) + 12_345;
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.setLength(size);
            raf.seek(12_288);
            raf.write(Fixtures.random(1, 100_000));
            raf.seek((70L << 20) + 40_960);
            raf.write(Fixtures.random(2, 3 << 20));
            raf.seek(size - 5_000);
            raf.write(Fixtures.random(3, 5_000));
        }
        Path small = tmp.resolve("gap.img"); // data only at the start, then a hole to the end
        try (var raf = new java.io.RandomAccessFile(small.toFile(), "rw")) {
            raf.setLength(64L << 20);
            raf.write(Fixtures.random(4, 300_000));
        }
        for (Path p : List.of(img, small)) {
            BackupRunner runner = new BackupRunner(repo, BackupOptions.defaults());
            BackupResult b = runner.run(p);
            if (Runtime.version().feature() >= 22) { // the file system's hole map is used (DataExtents)
                assertThat(runner.progress().bytesRead()).isLessThan(Files.size(p) / 8);
            }
            Path out = tmp.resolve("back-" + p.getFileName());
            assertThat(restore(b.id(), out).errors()).isEmpty();
            assertThat(Files.size(out)).isEqualTo(Files.size(p));
            assertThat(TreeDigest.sha256(out)).isEqualTo(TreeDigest.sha256(p));
        }
        // a sparse file inside a directory, cut by content (not an image): its holes are not read either
        Path dir = Files.createDirectories(tmp.resolve("vm"));
        try (var raf = new java.io.RandomAccessFile(dir.resolve("disk.raw").toFile(), "rw")) {
            raf.setLength(300L << 20);
            raf.seek(4096);
            raf.write(Fixtures.random(8, 2 << 20));
            raf.seek(280L << 20);
            raf.write(Fixtures.random(9, 1 << 20));
        }
        BackupRunner dirRunner = new BackupRunner(repo, BackupOptions.defaults());
        BackupResult d = dirRunner.run(dir);
        if (Runtime.version().feature() >= 22) assertThat(dirRunner.progress().bytesRead()).isLessThan(300L << 20 >> 3);
        Path dirOut = tmp.resolve("vm-back");
        assertThat(restore(d.id(), dirOut).errors()).isEmpty();
        assertThat(TreeDigest.sha256(dirOut.resolve("disk.raw"))).isEqualTo(TreeDigest.sha256(dir.resolve("disk.raw")));
        assertThat(TreeDigest.allocated(dirOut.resolve("disk.raw"))).isLessThan(8L << 20);
        // an incremental over a changed image: new data inside a former hole and over old data
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.seek(150L << 20);
            raf.write(Fixtures.random(5, 70_000));
            raf.seek(20_000);
            raf.write(Fixtures.random(6, 10_000));
        }
        BackupResult full = new BackupRunner(repo, BackupOptions.defaults()).run(img);
        Files.setLastModifiedTime(img, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        try (var raf = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            raf.seek((100L << 20) + 1);
            raf.write(Fixtures.random(7, 9_000));
        }
        BackupResult incr = new BackupRunner(repo, BackupOptions.defaults().withParent(full.id())).run(img);
        Path out = tmp.resolve("incr.img");
        assertThat(restore(incr.id(), out).errors()).isEmpty();
        assertThat(TreeDigest.sha256(out)).isEqualTo(TreeDigest.sha256(img));
        assertThat(incr.manifest().stats().newStoredBytes()).isLessThan(1L << 20);
    }

    @Test
    void aSubPathRestoresAloneWithItsParents() throws IOException {
        Fixtures.richTree(src);
        BackupResult b = backup(null);
        Path out = tmp.resolve("sub");
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults().withPath("a/b")).run(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertThat(TreeDigest.sha256(out.resolve("a/b/random.bin"))).isEqualTo(TreeDigest.sha256(src.resolve("a/b/random.bin")));
        assertThat(out.resolve("one.txt")).doesNotExist();
        assertThat(out.resolve("a/text.log")).doesNotExist();
        assertThatThrownBy(() -> new RestoreRunner(repo, RestoreOptions.defaults().withPath("a/nope")).run(b.id(), tmp.resolve("x")))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("a/nope");
    }

    @Test
    void encryptedRepositoriesNeedTheRightKey() throws IOException {
        Path dir = tmp.resolve("enc");
        Secret pw = new Secret.Password("correct horse".toCharArray());
        Repository enc = Repository.init(LocalObjectStore.open(dir), InitOptions.defaults(), pw);
        Files.write(src.resolve("f"), Fixtures.text(1, 100_000));
        String id = new BackupRunner(enc, BackupOptions.defaults()).run(src).id();
        assertThatThrownBy(() -> Repository.open(LocalObjectStore.open(dir), new Secret.Password("wrong".toCharArray())))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("wrong password")
                .satisfies(e -> assertThat(((RepositoryException) e).kind()).isEqualTo(RepositoryException.Kind.WRONG_KEY));
        assertThatThrownBy(() -> Repository.open(LocalObjectStore.open(dir), null))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("encrypted");
        Repository again = Repository.open(LocalObjectStore.open(dir), new Secret.Password("correct horse".toCharArray()));
        Path out = tmp.resolve("dec");
        assertThat(new RestoreRunner(again, RestoreOptions.defaults()).run(id, out).errors()).isEmpty();
        assertThat(Files.readAllBytes(out.resolve("f"))).isEqualTo(Files.readAllBytes(src.resolve("f")));
        // nothing stored in clear: the text's words never appear in any object
        try (var files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("value");
            }
        }
    }

    @Test
    void aKeyFileOpensTheRepositoryAndAPasswordDoesNot() throws IOException {
        Path dir = tmp.resolve("kf");
        byte[] material = Fixtures.random(77, 32);
        Repository enc = Repository.init(LocalObjectStore.open(dir), InitOptions.defaults(), new Secret.KeyFile(material, "key"));
        Files.write(src.resolve("f"), Fixtures.text(2, 10_000));
        String id = new BackupRunner(enc, BackupOptions.defaults()).run(src).id();
        assertThatThrownBy(() -> Repository.open(LocalObjectStore.open(dir), new Secret.Password("key".toCharArray())))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("wrong password or key file");
        byte[] wrong = material.clone();
        wrong[31] ^= 1;
        assertThatThrownBy(() -> Repository.open(LocalObjectStore.open(dir), new Secret.KeyFile(wrong, "k2")))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("wrong password or key file");
        Repository again = Repository.open(LocalObjectStore.open(dir), new Secret.KeyFile(material.clone(), "key"));
        assertThat(new RestoreRunner(again, RestoreOptions.defaults()).run(id, tmp.resolve("kfout")).errors()).isEmpty();
        assertThatThrownBy(() -> new Secret.KeyFile(new byte[16], "short")).isInstanceOf(RepositoryException.class).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void pruneDeletesWhatNoBackupReferencesAndKeepsTheRest() throws IOException {
        Files.write(src.resolve("keep"), Fixtures.random(1, 3 << 20));
        Files.write(src.resolve("drop"), Fixtures.random(2, 6 << 20));
        String a = backup(null).id();
        Files.delete(src.resolve("drop"));
        Map<String, String> v2 = TreeDigest.of(src);
        String b = backup(null).id();
        long before = sizeOf(tmp.resolve("repo/data"));
        repo.store().delete("manifests/" + a);
        PruneResult p = new Pruner(repo, 0.1).run();
        assertThat(p.bytesFreed()).isGreaterThan(5L << 20);
        assertThat(sizeOf(tmp.resolve("repo/data"))).isLessThan(before - (5L << 20));
        Repository fresh = Repository.open(LocalObjectStore.open(tmp.resolve("repo")), null);
        CheckResult c = new Checker(fresh).run(true);
        assertThat(c.findings()).isEmpty();
        Path out = tmp.resolve("after-prune");
        assertThat(new RestoreRunner(fresh, RestoreOptions.defaults()).run(b, out).errors()).isEmpty();
        assertThat(TreeDigest.diff(v2, TreeDigest.of(out))).isEmpty();
    }

    @Test
    void pruneRefusesWhileABackupHoldsALock() throws IOException {
        try (RepoLock lock = repo.lock(false, "backup of /somewhere")) {
            assertThatThrownBy(() -> new Pruner(repo, 0.5).run()).isInstanceOf(RepositoryException.class)
                    .hasMessageContaining("locked").hasMessageContaining("backup of /somewhere")
                    .satisfies(e -> assertThat(((RepositoryException) e).kind()).isEqualTo(RepositoryException.Kind.CONFLICT));
        }
        new Pruner(repo, 0.5).run(); // free again
    }

    @Test
    void unreadableFilesAreSkippedWithAWarningNotACrash() throws IOException {
        Files.write(src.resolve("ok"), Fixtures.text(1, 1000));
        Fixtures.mkfifo(src.resolve("fifo"));
        try (var sock = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            sock.bind(java.net.UnixDomainSocketAddress.of(src.resolve("sock")));
            BackupResult b = backup(null);
            assertThat(b.warnings()).anySatisfy(w -> assertThat(w).contains("sock").contains("socket"));
            Path out = tmp.resolve("o");
            assertThat(restore(b.id(), out).errors()).isEmpty();
            assertThat(out.resolve("ok")).exists();
            assertThat(Files.readAttributes(out.resolve("fifo"), java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther()).isTrue();
        }
    }

    static long sizeOf(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
