package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory that does not grow with the data: 4 GiB of incompressible database pages backed up,
 * changed in scattered pages, backed up incrementally, restored and checked by the real launcher
 * with a heap of 96 MiB. Half a million 8 KiB blocks: a structure that kept even 60 bytes per
 * block on the heap for the whole run would not fit, so any such growth fails this test (the
 * index's table, 8.5 MiB per GiB on the heap, ran out after 3 GiB). What the heap must hold
 * whatever the size is kept small: 4 MiB packs, 256 KiB chunks and two workers (with the
 * defaults, 32 MiB packs, 1 MiB chunks and cores + 1 workers, it is about 150 MiB, which the
 * default 320 MiB heap holds), and a young
 * generation of 16 MiB, so that the old one has room for those buffers (with the collector's
 * default third of the heap for the young generation, a CI run ran out after 3 GiB once).
 */
class ScaleIT {
    static final long FILE = 512L << 20;
    static final int FILES = 8;
    static final int PAGE = 8192;
    static final int CHANGED_PAGES = 3000;
    // a young generation of 16 MiB leaves 80 MiB for what lives long: the fixed buffers take 55-60
    static final Map<String, String> SMALL_HEAP = Map.of("COFFER_JAVA_OPTS", "-Xms32m -Xmx96m -Xmn16m -XX:+UseParallelGC", "COFFER_AOT", "0");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void fourGibOfPagesBackUpIncrementallyRestoreAndCheckInA96MibHeap() throws Exception {
        Path src = tmp.resolve("pgdata");
        Path rel = src.resolve("base/16384");
        Files.createDirectories(rel);
        SplittableRandom random = new SplittableRandom(25);
        for (int f = 0; f < FILES; f++) fill(rel.resolve(Integer.toString(16400 + f)), FILE, random.split());
        Files.writeString(src.resolve("PG_VERSION"), "15\n");
        Path repo = tmp.resolve("repo");
        // 4 MiB packs and 256 KiB content-defined chunks (so 4 MiB read buffers, not 8): what a
        // backup holds whatever the data's size stays near 60 MB
        run("repo", "init", "--repo", repo.toString(), "--pack-size", "4MiB", "--chunk-avg", "256KiB", "-q");

        JsonNode full = json(run("repo", "backup", "--repo", repo.toString(), "--threads", "2", "--json", src.toString()));
        assertThat(full.at("/stats/logicalBytes").asLong()).isEqualTo(FILES * FILE + 3);

        // scattered page writes, as a database makes them
        long changedBytes = 0;
        for (int i = 0; i < CHANGED_PAGES; i++) {
            Path f = rel.resolve(Integer.toString(16400 + random.nextInt(FILES)));
            long page = random.nextLong(FILE / PAGE);
            byte[] b = new byte[PAGE];
            random.nextBytes(b);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(b), page * PAGE);
            }
            changedBytes += PAGE;
        }
        JsonNode incr = json(run("repo", "backup", "--repo", repo.toString(), "--threads", "2", "--json", src.toString()));
        assertThat(incr.get("parent").asText()).isEqualTo(full.get("id").asText());
        long stored = incr.at("/stats/newStoredBytes").asLong();
        // the changed pages (incompressible), and little more: the chunk lists that changed are
        // stored against the parent's, the trees are small
        assertThat(stored).isBetween(changedBytes * 9 / 10, changedBytes * 5 / 4);

        Path out = tmp.resolve("restored");
        run("repo", "restore", "--repo", repo.toString(), "--threads", "2", "latest", out.toString());
        Map<String, String> want = digests(src);
        assertThat(digests(out)).isEqualTo(want);

        CofferProcess.Result check = CofferProcess.run(SMALL_HEAP, "repo", "check", "--repo", repo.toString());
        assertThat(check.code()).as(check.toString()).isZero();
        CofferProcess.Result ls = CofferProcess.run(SMALL_HEAP, "repo", "ls", "--repo", repo.toString(), "latest", "base/16384");
        assertThat(ls.code()).as(ls.toString()).isZero();
    }

    private static CofferProcess.Result run(String... args) throws IOException, InterruptedException {
        CofferProcess.Result r = CofferProcess.run(new HashMap<>(SMALL_HEAP), args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    private static JsonNode json(CofferProcess.Result r) throws IOException {
        return JSON.readTree(r.out());
    }

    /** Pages that neither compress nor deduplicate. */
    private static void fill(Path f, long size, SplittableRandom r) throws IOException {
        byte[] buf = new byte[1 << 20];
        ByteBuffer longs = ByteBuffer.wrap(buf);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < size; done += buf.length) {
                longs.clear();
                while (longs.hasRemaining()) longs.putLong(r.nextLong());
                ch.write(ByteBuffer.wrap(buf));
            }
        }
    }

    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> out = new HashMap<>();
        byte[] buf = new byte[1 << 20];
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (var in = Files.newInputStream(p)) {
                    for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
                }
                out.put(root.relativize(p).toString(), HexFormat.of().formatHex(md.digest()));
            }
        }
        return out;
    }
}
