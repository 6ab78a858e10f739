package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.sys.Posix;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero runs are stored as references either way; a restore gives back the allocation the source
 * had: allocated zeros where the file had no holes (PostgreSQL's zero-filled WAL segments and
 * SLRU pages), holes where it had holes, and holes everywhere with {@code --sparse}.
 */
class AllocationTest {
    static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /** Writes {@code zeros} bytes of zeros, so that they are allocated, after {@code head}. */
    static void denseFile(Path p, byte[] head, int zeros) throws IOException {
        Files.createDirectories(p.getParent());
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
            byte[] z = new byte[64 << 10];
            for (int done = 0; done < zeros; done += z.length) f.write(z, 0, Math.min(z.length, zeros - done));
        }
    }

    Map<String, Node> files(Repository repo, String backup) throws IOException {
        Map<String, Node> out = new HashMap<>();
        collect(repo, repo.loadManifest(backup).tree(), "", out);
        return out;
    }

    void collect(Repository repo, String tree, String prefix, Map<String, Node> out) throws IOException {
        for (Node n : repo.readTree(tree).nodes()) {
            if (n.isDir()) collect(repo, n.subtree(), prefix + n.name() + "/", out);
            else out.put(prefix + n.name(), n);
        }
    }

    @Test
    void allocatedZerosComeBackAllocatedHolesComeBackHolesAndSparseMakesAllHoles() throws IOException {
        assertThat(Posix.available()).as("needs the foreign-function API (Java 22+)").isTrue();
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path wal = src.resolve("pg_wal/000000010000000000000001");
        denseFile(wal, Fixtures.random(1, 64 << 10), 16 * MIB - (64 << 10));
        Path subtrans = src.resolve("pg_subtrans/0000");
        denseFile(subtrans, new byte[0], 256 << 10);
        Path pages = src.resolve("base/16384/16385"); // database pages, fixed blocks: a run of new zero pages at the end
        denseFile(pages, Fixtures.random(2, 4 * MIB), 4 * MIB);
        Path image = src.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64L * MIB);
            f.seek(10L * MIB);
            f.write(Fixtures.random(3, MIB));
        }
        Files.writeString(src.resolve("PG_VERSION"), "15\n");
        assertThat(TreeDigest.allocated(wal)).isGreaterThanOrEqualTo(16L * MIB);
        assertThat(TreeDigest.allocated(image)).isLessThan(4L * MIB);
        Map<String, String> before = TreeDigest.of(src);

        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        BackupResult full = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        assertThat(full.manifest().stats().zeroBytes()).isGreaterThan(70L * MIB);
        Map<String, Node> nodes = files(repo, full.id());
        assertThat(nodes.get("pg_wal/000000010000000000000001").allocated()).isTrue();
        assertThat(nodes.get("pg_subtrans/0000").allocated()).isTrue();
        assertThat(nodes.get("base/16384/16385").allocated()).isTrue();
        assertThat(nodes.get("disk.img").allocated()).isNull(); // it has holes
        assertThat(nodes.get("PG_VERSION").allocated()).isNull(); // no zero runs: nothing to say

        Path out = tmp.resolve("out");
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).run(full.id(), out);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(TreeDigest.diff(before, TreeDigest.of(out))).isEmpty();
        assertThat(TreeDigest.allocated(out.resolve("pg_wal/000000010000000000000001"))).isGreaterThanOrEqualTo(16L * MIB);
        assertThat(TreeDigest.allocated(out.resolve("pg_subtrans/0000"))).isGreaterThanOrEqualTo(256L << 10);
        assertThat(TreeDigest.allocated(out.resolve("base/16384/16385"))).isGreaterThanOrEqualTo(8L * MIB);
        assertThat(TreeDigest.allocated(out.resolve("disk.img"))).isLessThan(4L * MIB);

        Path sparse = tmp.resolve("sparse");
        RestoreResult s = new RestoreRunner(repo, RestoreOptions.defaults().withSparse(true)).run(full.id(), sparse);
        assertThat(s.errors()).isEmpty();
        assertThat(TreeDigest.diff(before, TreeDigest.of(sparse))).isEmpty();
        assertThat(TreeDigest.allocated(sparse.resolve("pg_wal/000000010000000000000001"))).isLessThan(MIB);
        assertThat(TreeDigest.allocated(sparse.resolve("pg_subtrans/0000"))).isLessThan(64L << 10);

        // an incremental keeps what it knew of unchanged files, and learns it anew for changed ones
        try (RandomAccessFile f = new RandomAccessFile(pages.toFile(), "rw")) {
            f.seek(MIB);
            f.write(Fixtures.random(4, 8192));
        }
        Path wal2 = src.resolve("pg_wal/000000010000000000000002");
        denseFile(wal2, new byte[0], 16 * MIB);
        Map<String, String> after = TreeDigest.of(src);
        BackupResult incr = new BackupRunner(repo, BackupOptions.defaults().withParent(full.id())).run(src);
        Map<String, Node> next = files(repo, incr.id());
        assertThat(next.get("pg_wal/000000010000000000000001").allocated()).isTrue();
        assertThat(next.get("pg_wal/000000010000000000000002").allocated()).isTrue();
        assertThat(next.get("base/16384/16385").allocated()).isTrue();
        assertThat(next.get("disk.img").allocated()).isNull();
        Path out2 = tmp.resolve("out2");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(incr.id(), out2).errors()).isEmpty();
        assertThat(TreeDigest.diff(after, TreeDigest.of(out2))).isEmpty();
        assertThat(TreeDigest.allocated(out2.resolve("pg_wal/000000010000000000000002"))).isGreaterThanOrEqualTo(16L * MIB);
        assertThat(TreeDigest.allocated(out2.resolve("disk.img"))).isLessThan(4L * MIB);
    }

    /**
     * A file with both holes and allocated zeros (a preallocated table file with a hole punched
     * in it; a VM image) comes back with both, each where it was, and with {@code --sparse} all holes.
     */
    @Test
    void aFileWithHolesAndAllocatedZerosComesBackWithBoth() throws IOException {
        assertThat(Posix.available()).as("needs the foreign-function API (Java 22+)").isTrue();
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path mixed = src.resolve("mixed.img");
        // [0, 1 MiB) data, [1, 9) allocated zeros, [9, 41) a hole, [41, 42) data, [42, 50) allocated zeros, [50, 64) a hole
        try (RandomAccessFile f = new RandomAccessFile(mixed.toFile(), "rw")) {
            f.write(Fixtures.random(5, MIB));
            f.write(new byte[8 * MIB]);
            f.seek(41L * MIB);
            f.write(Fixtures.random(6, MIB));
            f.write(new byte[8 * MIB]);
            f.setLength(64L * MIB);
        }
        long sourceAllocated = TreeDigest.allocated(mixed);
        assertThat(sourceAllocated).isBetween(18L * MIB, 20L * MIB);
        Map<String, String> before = TreeDigest.of(src);

        for (String chunking : new String[] {"cdc", "fixed"}) {
            Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo-" + chunking)), InitOptions.defaults(), null);
            BackupOptions opts = chunking.equals("cdc") ? BackupOptions.defaults() : BackupOptions.defaults().withDatabaseGlobs(List.of("mixed.img"));
            BackupResult full = new BackupRunner(repo, opts).run(src);
            Node n = files(repo, full.id()).get("mixed.img");
            assertThat(n.allocated()).as(chunking).isNull();
            assertThat(n.extents()).as(chunking).isNotNull().hasSizeGreaterThanOrEqualTo(4);

            Path out = tmp.resolve("out-" + chunking);
            RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).run(full.id(), out);
            assertThat(r.errors()).isEmpty();
            assertThat(r.warnings()).isEmpty();
            assertThat(TreeDigest.diff(before, TreeDigest.of(out))).isEmpty();
            // allocated where the source was, holes where it had holes
            assertThat(TreeDigest.allocated(out.resolve("mixed.img"))).as(chunking).isBetween(18L * MIB, 20L * MIB);

            Path sparse = tmp.resolve("sparse-" + chunking);
            assertThat(new RestoreRunner(repo, RestoreOptions.defaults().withSparse(true)).run(full.id(), sparse).errors()).isEmpty();
            assertThat(TreeDigest.diff(before, TreeDigest.of(sparse))).isEmpty();
            assertThat(TreeDigest.allocated(sparse.resolve("mixed.img"))).as(chunking).isLessThan(3L * MIB);
        }
    }
}
