package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.testing.Fixtures;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flips bytes in random packs; check and restore must name the damage and save the rest. */
class CorruptionIT {
    @TempDir
    Path tmp;

    @Test
    void damagedPacksAreReportedWithTheFilesTheyHurt() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        int files = 40;
        for (int i = 0; i < files; i++) Files.write(src.resolve("f" + i), Fixtures.random(i, 150_000 + i * 10_000));
        Path repo = tmp.resolve("repo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString(), "--pack-size", "1MiB").code()).isZero();
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        String id = b.out().trim();

        List<Path> packs = new ArrayList<>();
        try (var s = Files.walk(repo.resolve("data"))) {
            // data packs only (the tree pack is a few KiB): damage must hit file contents
            s.filter(Files::isRegularFile).filter(p -> p.toFile().length() > 100_000).sorted().forEach(packs::add);
        }
        assertThat(packs.size()).isGreaterThan(5);
        Random rnd = new Random(99);
        Set<String> damaged = new HashSet<>();
        while (damaged.size() < 3) {
            Path p = packs.get(rnd.nextInt(packs.size()));
            if (!damaged.add(p.getFileName().toString())) continue;
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                long at = 8 + (long) (rnd.nextDouble() * (raf.length() / 2)); // inside the blob area
                raf.seek(at);
                int v = raf.read();
                raf.seek(at);
                raf.write(v ^ 0xff);
            }
        }

        var check = CofferProcess.run("repo", "check", "--repo", repo.toString(), "--read-data");
        assertThat(check.code()).as(check.toString()).isEqualTo(3);
        for (String d : damaged) assertThat(check.out()).contains("data/" + d);
        assertThat(check.out()).contains("affects backup " + id.substring(0, 12) + ": f");

        var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), id, tmp.resolve("out").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        int failed = 0;
        for (int i = 0; i < files; i++) {
            Path out = tmp.resolve("out/f" + i);
            if (Files.exists(out)) {
                assertThat(Files.readAllBytes(out)).as("f" + i).isEqualTo(Files.readAllBytes(src.resolve("f" + i)));
            } else {
                failed++;
                assertThat(r.err()).contains("/out/f" + i + ":");
            }
        }
        assertThat(failed).isBetween(1, 3 * 3);
        assertThat(r.err()).contains("restore incomplete");
    }
}
