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

    /** Two flipped bytes in one manifest: that backup is named and skipped, nothing else stops. */
    @Test
    void aDamagedManifestIsNamedAndSkippedAndRepairRemovesIt() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("msrc"));
        Path repo = tmp.resolve("mrepo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString()).code()).isZero();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Files.write(src.resolve("f" + i), Fixtures.random(100 + i, 200_000));
            var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
            assertThat(b.code()).as(b.toString()).isZero();
            ids.add(b.out().trim());
            Thread.sleep(1100); // distinct manifest times: "latest" is the third
        }
        String bad = ids.get(2), badShort = bad.substring(0, 12);
        Path manifest = repo.resolve("manifests").resolve(bad.substring(0, 2)).resolve(bad); // the local store's layout
        assertThat(manifest).isRegularFile();
        try (RandomAccessFile raf = new RandomAccessFile(manifest.toFile(), "rw")) {
            for (long at : new long[] {raf.length() / 2, raf.length() / 2 + 7}) {
                raf.seek(at);
                int v = raf.read();
                raf.seek(at);
                raf.write(v ^ 0x21);
            }
        }
        // listed: the two others, the damaged one named, with what to do, exit 3
        var ls = CofferProcess.run("repo", "ls", "--repo", repo.toString());
        assertThat(ls.code()).as(ls.toString()).isEqualTo(3);
        assertThat(ls.out()).contains(ids.get(0).substring(0, 12)).contains(ids.get(1).substring(0, 12)).doesNotContain(badShort);
        assertThat(ls.err()).contains("backup " + badShort + " is skipped: its manifest is damaged").contains("coffer repo repair manifests");
        // "latest" is the newest readable backup: the second, restored bit for bit
        var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "latest", tmp.resolve("mout").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("mout/f1"))).isEqualTo(Fixtures.random(101, 200_000));
        assertThat(tmp.resolve("mout/f2")).doesNotExist();
        // the damaged one itself: a clear error naming it, exit 3, no stack trace
        var direct = CofferProcess.run("repo", "restore", "--repo", repo.toString(), badShort, tmp.resolve("mout2").toString());
        assertThat(direct.code()).as(direct.toString()).isEqualTo(3);
        assertThat(direct.err()).contains("manifests/" + bad).doesNotContain("Exception");
        // new backups run (their parent is the newest readable one) and prune runs
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        var prune = CofferProcess.run("repo", "prune", "--repo", repo.toString());
        assertThat(prune.code()).as(prune.toString()).isZero();
        assertThat(prune.err()).contains("backup " + badShort + " is skipped");
        // check names it and the repair
        var check = CofferProcess.run("repo", "check", "--repo", repo.toString());
        assertThat(check.code()).as(check.toString()).isEqualTo(3);
        assertThat(check.out()).contains("manifests/" + bad).contains("repo repair manifests");
        // repair removes it, and only it; then everything is clean
        var dry = CofferProcess.run("repo", "repair", "manifests", "--repo", repo.toString(), "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would remove damaged manifest " + bad);
        assertThat(manifest).exists();
        var repair = CofferProcess.run("repo", "repair", "manifests", "--repo", repo.toString());
        assertThat(repair.code()).as(repair.toString()).isZero();
        assertThat(repair.out()).contains("removed damaged manifest " + bad).contains("1 damaged manifest(s) removed, 3 readable");
        assertThat(manifest).doesNotExist();
        var ls2 = CofferProcess.run("repo", "ls", "--repo", repo.toString());
        assertThat(ls2.code()).as(ls2.toString()).isZero();
        assertThat(ls2.err()).doesNotContain("damaged");
        var check2 = CofferProcess.run("repo", "check", "--repo", repo.toString(), "--read-data");
        assertThat(check2.code()).as(check2.toString()).isZero();
    }

    /** A damaged index object: the packs it listed are not garbage; repair index brings them back. */
    @Test
    void aDamagedIndexObjectIsRepairedFromThePacksAndPruneDeletesNothingMeanwhile() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("isrc"));
        Path repo = tmp.resolve("irepo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString(), "--pack-size", "1MiB").code()).isZero();
        for (int i = 0; i < 6; i++) Files.write(src.resolve("a" + i), Fixtures.random(300 + i, 400_000));
        var a = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(a.code()).as(a.toString()).isZero();
        List<Path> firstIndex;
        try (var s = Files.walk(repo.resolve("index"))) {
            firstIndex = s.filter(Files::isRegularFile).toList();
        }
        assertThat(firstIndex).hasSize(1);
        for (int i = 0; i < 3; i++) Files.write(src.resolve("b" + i), Fixtures.random(400 + i, 300_000));
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        List<Path> packsBefore;
        try (var s = Files.walk(repo.resolve("data"))) {
            packsBefore = s.filter(Files::isRegularFile).sorted().toList();
        }
        Path damaged = firstIndex.get(0);
        try (RandomAccessFile raf = new RandomAccessFile(damaged.toFile(), "rw")) {
            long at = raf.length() / 2;
            raf.seek(at);
            int v = raf.read();
            raf.seek(at);
            raf.write(v ^ 0x5a);
        }
        String damagedKey = "index/" + damaged.getFileName();
        byte[] damagedBytes = Files.readAllBytes(damaged);

        // check names the damaged index object and the repair; it never calls those packs garbage for prune
        var check = CofferProcess.run("repo", "check", "--repo", repo.toString());
        assertThat(check.code()).as(check.toString()).isEqualTo(3);
        assertThat(check.out()).contains(damagedKey).contains("coffer repo repair index").doesNotContain("prune removes it)");
        // prune refuses and deletes nothing
        var prune = CofferProcess.run("repo", "prune", "--repo", repo.toString());
        assertThat(prune.code()).as(prune.toString()).isEqualTo(3);
        assertThat(prune.err()).contains("repair index").contains("nothing was deleted").doesNotContain("Exception");
        for (Path p : packsBefore) assertThat(p).exists();

        var dry = CofferProcess.run("repo", "repair", "index", "--repo", repo.toString(), "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would remove damaged " + damagedKey);
        assertThat(damaged).exists();
        var repair = CofferProcess.run("repo", "repair", "index", "--repo", repo.toString());
        assertThat(repair.code()).as(repair.toString()).isZero();
        assertThat(repair.out()).containsPattern("indexed [1-9][0-9]* pack\\(s\\) again").contains("removed damaged " + damagedKey);
        // gone, or (the rebuilt index is often byte for byte what it held before, so has its name) whole again
        assertThat(!Files.exists(damaged) || !java.util.Arrays.equals(Files.readAllBytes(damaged), damagedBytes)).as("the damaged bytes are gone").isTrue();

        // both backups restore bit for bit; check reads every byte and finds nothing
        for (var r : List.of(a, b)) {
            Path out = tmp.resolve("iout-" + r.out().trim().substring(0, 8));
            var res = CofferProcess.run("repo", "restore", "--repo", repo.toString(), r.out().trim(), out.toString());
            assertThat(res.code()).as(res.toString()).isZero();
        }
        for (int i = 0; i < 6; i++) {
            assertThat(Files.readAllBytes(tmp.resolve("iout-" + a.out().trim().substring(0, 8)).resolve("a" + i))).isEqualTo(Fixtures.random(300 + i, 400_000));
        }
        var check2 = CofferProcess.run("repo", "check", "--repo", repo.toString(), "--read-data");
        assertThat(check2.code()).as(check2.toString()).isZero();
        var prune2 = CofferProcess.run("repo", "prune", "--repo", repo.toString());
        assertThat(prune2.code()).as(prune2.toString()).isZero();
        var check3 = CofferProcess.run("repo", "check", "--repo", repo.toString(), "--read-data");
        assertThat(check3.code()).as(check3.toString()).isZero();
    }

    /** A damaged directory listing fails only what is below it: the rest restores, the directory is named, exit 3. */
    @Test
    void aDamagedTreeBlobFailsOnlyItsDirectory() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("tsrc"));
        int dirs = 12, perDir = 15;
        for (int d = 0; d < dirs; d++) {
            Path dir = Files.createDirectories(src.resolve("d" + d));
            for (int f = 0; f < perDir; f++) Files.write(dir.resolve("f" + f), Fixtures.random(d * 100 + f, 3_000 + f * 200));
        }
        Path repo = tmp.resolve("trepo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString()).code()).isZero();
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        Path treePack = null;
        try (var s = Files.walk(repo.resolve("data"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
                    raf.seek(5);
                    if (raf.read() == 2) treePack = p; // the pack header's blob type: TREE
                }
            }
        }
        assertThat(treePack).isNotNull();
        // directories are stored as they complete, the root last: a byte early in the pack is in a leaf's listing
        try (RandomAccessFile raf = new RandomAccessFile(treePack.toFile(), "rw")) {
            long at = 8 + raf.length() / 12;
            raf.seek(at);
            int v = raf.read();
            raf.seek(at);
            raf.write(v ^ 0x10);
        }
        Path out = tmp.resolve("tout");
        var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "latest", out.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.err()).contains("the directory's listing cannot be read").contains("nothing below it was restored").doesNotContain("Exception");
        int restoredDirs = 0, lostDirs = 0;
        for (int d = 0; d < dirs; d++) {
            Path dir = out.resolve("d" + d);
            assertThat(dir).as("every directory is made").isDirectory();
            if (Files.exists(dir.resolve("f0"))) {
                restoredDirs++;
                for (int f = 0; f < perDir; f++) assertThat(Files.readAllBytes(dir.resolve("f" + f))).isEqualTo(Fixtures.random(d * 100 + f, 3_000 + f * 200));
            } else {
                lostDirs++;
                assertThat(r.err()).contains("/d" + d + "/: the directory's listing cannot be read");
            }
        }
        assertThat(lostDirs).isBetween(1, 2);
        assertThat(restoredDirs).isEqualTo(dirs - lostDirs);
    }
}
