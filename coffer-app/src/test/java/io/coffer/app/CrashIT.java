package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills real backup processes with SIGKILL at random points, then requires a clean
 * {@code check --read-data} and bit-exact restores of every backup that had completed.
 */
class CrashIT {
    static final int RUNS = 20;

    @TempDir
    Path tmp;

    @Test
    void backupsKilledAtRandomPointsLeaveTheRepositoryConsistent() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        for (int i = 0; i < 60; i++) Files.write(src.resolve("f" + i), Fixtures.random(i, 2 << 20));
        Files.write(src.resolve("log.txt"), Fixtures.text(1, 8 << 20));
        // a database relation file: fixed 8 KiB blocks, the new ones stored in groups
        Files.write(Files.createDirectories(src.resolve("pgdata/base/5")).resolve("16384"), Fixtures.text(2, 16 << 20));
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo, "--pack-size", "4MiB").code()).isZero();

        Map<String, Map<String, String>> completed = new LinkedHashMap<>();
        var first = CofferProcess.run("repo", "backup", "--repo", repo, "-q", src.toString());
        assertThat(first.code()).as(first.toString()).isZero();
        completed.put(first.out().trim(), TreeDigest.of(src));

        Random rnd = new Random(2026);
        // Calibrate: how long does one uninterrupted run take on this machine? Kill points are
        // spread over that duration, so a fast machine is not left with runs that all finish.
        changeSomeFiles(src, rnd, -1);
        long started = System.nanoTime();
        var calibration = CofferProcess.run("repo", "backup", "--repo", repo, "-q", src.toString());
        long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(calibration.code()).as(calibration.toString()).isZero();
        completed.put(calibration.out().trim(), TreeDigest.of(src));

        int killed = 0;
        for (int run = 0; run < RUNS; run++) {
            // new data every run, so each backup writes packs, an index and a manifest; each is an
            // incremental whose parent is the latest completed backup (the CLI picks it)
            changeSomeFiles(src, rnd, run);
            Map<String, String> digest = TreeDigest.of(src);
            Path out = tmp.resolve("out-" + run);
            Process p = CofferProcess.builder(Map.of(), "repo", "backup", "--repo", repo, "-q", src.toString())
                    .redirectOutput(out.toFile()).redirectError(tmp.resolve("err-" + run).toFile()).start();
            long delay = (long) (runMillis * (0.1 + 0.8 * rnd.nextDouble()));
            if (!p.waitFor(delay, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly(); // SIGKILL
                p.waitFor();
                killed++;
            } else {
                assertThat(p.exitValue()).as(Files.readString(tmp.resolve("err-" + run))).isZero();
                completed.put(Files.readString(out).trim(), digest);
            }
        }
        assertThat(killed).as("most runs must actually be killed (one run takes " + runMillis + " ms)")
                .isGreaterThanOrEqualTo(RUNS / 2);

        var check = CofferProcess.run("repo", "check", "--repo", repo, "--read-data");
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).doesNotContain("error:");

        int n = 0;
        for (var e : completed.entrySet()) {
            Path target = tmp.resolve("restore-" + n++);
            var r = CofferProcess.run("repo", "restore", "--repo", repo, "-q", e.getKey(), target.toString());
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(TreeDigest.diff(e.getValue(), TreeDigest.of(target))).as("backup " + e.getKey()).isEmpty();
        }

        // the leftovers of the killed runs (packs in no index, stale locks) are garbage for prune
        var prune = CofferProcess.run("repo", "prune", "--repo", repo);
        assertThat(prune.code()).as(prune.toString()).isZero();
        var again = CofferProcess.run("repo", "check", "--repo", repo, "--read-data");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).doesNotContain("warning:").doesNotContain("error:");
        var last = completed.entrySet().stream().reduce((a, b) -> b).orElseThrow();
        var r = CofferProcess.run("repo", "restore", "--repo", repo, "-q", last.getKey(), tmp.resolve("final").toString());
        assertThat(r.code()).isZero();
        assertThat(TreeDigest.diff(last.getValue(), TreeDigest.of(tmp.resolve("final")))).isEmpty();
    }

    private static void changeSomeFiles(Path src, Random rnd, int run) throws java.io.IOException {
        for (int k = 0; k < 8; k++) {
            Files.write(src.resolve("f" + rnd.nextInt(60)), Fixtures.random(1000 + (run + 1) * 10 + k, 2 << 20));
        }
        // pages rewritten in place, scattered over the relation file
        Path rel = src.resolve("pgdata/base/5/16384");
        for (int k = 0; k < 40; k++) {
            Fixtures.overwrite(rel, rnd.nextInt(2048) * 8192L, Fixtures.text(5000 + (run + 1) * 100 + k, 8192));
        }
    }
}
