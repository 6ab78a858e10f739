package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline command line, driven through the real ./coffer launcher. */
class CliEndToEndIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void backupRestoreRoundTripIsBitExactWithMetadata() throws Exception {
        Path src = tmp.resolve("src");
        Fixtures.richTree(src);
        Map<String, String> before = TreeDigest.of(src);
        String repo = tmp.resolve("repo").toString();
        var init = CofferProcess.run("repo", "init", "--repo", repo);
        assertThat(init.code()).as(init.toString()).isZero();

        var b = CofferProcess.run("repo", "backup", "--repo", repo, "--json", src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        JsonNode bj = JSON.readTree(b.out());
        String id = bj.get("id").asText();
        assertThat(id).hasSize(64);
        assertThat(bj.at("/stats/files").asLong()).isEqualTo(10);

        // plain output: just the id
        Files.write(src.resolve("added.txt"), Fixtures.text(5, 10_000));
        Map<String, String> after = TreeDigest.of(src);
        var b2 = CofferProcess.run(Map.of("COFFER_REPO", repo), "repo", "backup", "--parent", "latest", src.toString());
        assertThat(b2.code()).as(b2.toString()).isZero();
        String id2 = b2.out().trim();
        assertThat(id2).matches("[0-9a-f]{64}");

        var ls = CofferProcess.run("repo", "ls", "--repo", repo, "--json");
        assertThat(JSON.readTree(ls.out()).findValuesAsText("id")).containsExactlyInAnyOrder(id, id2);
        var lsFiles = CofferProcess.run("repo", "ls", "--repo", repo, id2.substring(0, 8));
        assertThat(lsFiles.out()).contains("a/b/c/small.cfg").contains("link-rel -> a/text.log").contains("added.txt");

        var r1 = CofferProcess.run("repo", "restore", "--repo", repo, id, tmp.resolve("r1").toString());
        assertThat(r1.code()).as(r1.toString()).isZero();
        assertThat(TreeDigest.diff(before, TreeDigest.of(tmp.resolve("r1")))).isEmpty();
        var r2 = CofferProcess.run("repo", "restore", "--repo", repo, id2.substring(0, 10), tmp.resolve("r2").toString());
        assertThat(r2.code()).as(r2.toString()).isZero();
        assertThat(TreeDigest.diff(after, TreeDigest.of(tmp.resolve("r2")))).isEmpty();
        assertThat(TreeDigest.allocated(tmp.resolve("r2/sparse.img"))).isLessThan(2L << 20);

        var check = CofferProcess.run("repo", "check", "--repo", repo, "--read-data");
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors");
        var stats = CofferProcess.run("repo", "stats", "--repo", repo, "--json");
        JsonNode sj = JSON.readTree(stats.out());
        assertThat(sj.get("backups").asInt()).isEqualTo(2);
        assertThat(sj.get("dedupRatio").asDouble()).isGreaterThan(1.5);
        assertThat(sj.get("features").toString()).contains("block-groups");
        assertThat(sj.get("groupedBlobs").asLong()).isLessThanOrEqualTo(sj.get("dataBlobs").asLong());

        var forget = CofferProcess.run("repo", "forget", "--repo", repo, id);
        assertThat(forget.code()).isZero();
        var prune = CofferProcess.run("repo", "prune", "--repo", repo, "--json");
        assertThat(prune.code()).as(prune.toString()).isZero();
        var r3 = CofferProcess.run("repo", "restore", "--repo", repo, "latest", tmp.resolve("r3").toString());
        assertThat(r3.code()).isZero();
        assertThat(TreeDigest.diff(after, TreeDigest.of(tmp.resolve("r3")))).isEmpty();
    }

    @Test
    void onJava25TheLauncherTrainsAnAheadOfTimeCacheAndUsesItWithCleanOutput() throws Exception {
        // a copy of the jar in a directory of its own: the launcher keeps its archives beside it
        Path dir = Files.createDirectories(tmp.resolve("jar"));
        Path jar = Files.copy(Path.of(System.getProperty("coffer.root", "..")).toAbsolutePath().normalize()
                .resolve("coffer-app/target/coffer.jar"), dir.resolve("coffer.jar"));
        Map<String, String> env = new HashMap<>(Map.of("COFFER_JAR", jar.toString(), "COFFER_AOT", "sync"));
        CofferProcess.Result v = CofferProcess.run(env, "--version");
        assertThat(v.code()).as(v.toString()).isZero();
        assertThat(v.out().strip()).as(v.toString()).startsWith("coffer ").doesNotContain("\n").doesNotContain("[");
        boolean java25 = Runtime.version().feature() >= 25; // the launcher picks the newest JDK, this one here
        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            if (java25) assertThat(names).as("archives").anyMatch(n -> n.endsWith(".aot")).noneMatch(n -> n.contains("failed") || n.contains("training"));
        }
        // a command with the cache in use: its JSON output is exactly the JSON
        env.remove("COFFER_AOT");
        CofferProcess.Result init = CofferProcess.run(env, "repo", "init", "--repo", tmp.resolve("aot-repo").toString(), "--json");
        assertThat(init.code()).as(init.toString()).isZero();
        assertThat(init.out().strip()).as(init.toString()).startsWith("{").endsWith("}");
        assertThat(init.err()).as(init.toString()).doesNotContain("[aot]").doesNotContain("[cds]");
    }

    @Test
    void theTrainingRunBacksUpAndRestoresThroughTheS3AndSwiftStoresToo() throws Exception {
        // what the launcher runs to make the ahead-of-time cache; its remote part must not be skipped
        Path dir = tmp.resolve("train");
        CofferProcess.Result r = CofferProcess.run(new HashMap<>(Map.of("COFFER_AOT", "0")), "demo", "--train", "--dir", dir.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).doesNotContain("skipped");
        assertThat(dir).doesNotExist();
    }

    @Test
    void restoringThousandsOfSmallFilesNeedsFewFileDescriptors() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("many"));
        for (int i = 0; i < 3000; i++) Files.write(src.resolve("f" + i), ("file " + i).getBytes());
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();
        assertThat(CofferProcess.run("repo", "backup", "--repo", repo, "-q", src.toString()).code()).isZero();
        Path out = tmp.resolve("out");
        // all 3000 files share one pack; the restore must not hold a descriptor per file
        Process p = new ProcessBuilder("bash", "-c", "ulimit -n 200 && exec \"$0\" repo restore --repo \"$1\" -q latest \"$2\"",
                CofferProcess.launcher().toString(), repo, out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(TreeDigest.diff(TreeDigest.of(src), TreeDigest.of(out))).isEmpty();
    }

    @Test
    void aHeapTooSmallForTheJobIsAClearErrorAndLeavesNoBackup() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("big"));
        for (int i = 0; i < 4; i++) Files.write(src.resolve("f" + i), Fixtures.random(40 + i, 24 << 20));
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();
        // a 32 MiB pack cannot even be allocated in this heap
        var b = CofferProcess.run(Map.of("COFFER_JAVA_OPTS", "-Xms16m -Xmx40m -XX:+UseParallelGC"), "repo", "backup", "--repo", repo, src.toString());
        assertThat(b.code()).as(b.toString()).isEqualTo(1);
        assertThat(b.err()).as(b.toString()).contains("coffer: error: out of memory: the Java heap").contains("COFFER_JAVA_OPTS").doesNotContain("\tat ").doesNotContain("Exception in thread");
        var ls = CofferProcess.run("repo", "ls", "--repo", repo, "--json");
        assertThat(ls.code()).isZero();
        assertThat(new ObjectMapper().readTree(ls.out())).isEmpty();
        assertThat(CofferProcess.run("repo", "check", "--repo", repo).code()).isZero();
    }

    @Test
    void encryptedRepositoryWithPasswordFileAndEnvironment() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("f"), Fixtures.text(1, 50_000));
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, "s3cret\n");
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo, "--password-file", pw.toString()).code()).isZero();
        var b = CofferProcess.run(Map.of("COFFER_PASSWORD", "s3cret"), "repo", "backup", "--repo", repo, src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        var wrong = CofferProcess.run(Map.of("COFFER_PASSWORD", "nope"), "repo", "ls", "--repo", repo);
        assertThat(wrong.code()).isEqualTo(6);
        assertThat(wrong.err()).contains("wrong password").doesNotContain("Exception");
        var none = CofferProcess.run("repo", "ls", "--repo", repo);
        assertThat(none.code()).isEqualTo(6);
        assertThat(none.err()).contains("encrypted");
        var r = CofferProcess.run("repo", "restore", "--repo", repo, "--password-file", pw.toString(), b.out().trim(), tmp.resolve("out").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(Files.readAllBytes(tmp.resolve("out/f"))).isEqualTo(Files.readAllBytes(src.resolve("f")));
    }

    @Test
    void badInputGivesClearErrorsAndDistinctExitCodes() throws Exception {
        String repo = tmp.resolve("repo").toString();
        var noRepo = CofferProcess.run("repo", "ls", "--repo", repo);
        assertThat(noRepo.code()).isEqualTo(4);
        assertThat(noRepo.err()).contains("no repository at").contains("coffer repo init");

        var noFlag = CofferProcess.run("repo", "ls");
        assertThat(noFlag.code()).isEqualTo(2);
        assertThat(noFlag.err()).contains("COFFER_REPO");

        var badOpt = CofferProcess.run("repo", "backup", "--repo", repo, "--no-such-option", "x");
        assertThat(badOpt.code()).isEqualTo(2);
        assertThat(badOpt.err()).contains("--no-such-option");

        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();
        var twice = CofferProcess.run("repo", "init", "--repo", repo);
        assertThat(twice.code()).isEqualTo(5);
        assertThat(twice.err()).contains("already exists");

        var missingSource = CofferProcess.run("repo", "backup", "--repo", repo, tmp.resolve("nope").toString());
        assertThat(missingSource.code()).isEqualTo(4);
        assertThat(missingSource.err()).contains("nope");

        var unknown = CofferProcess.run("repo", "restore", "--repo", repo, "abcdef12", tmp.resolve("t").toString());
        assertThat(unknown.code()).isEqualTo(4);
        assertThat(unknown.err()).contains("abcdef12");
        assertThat(tmp.resolve("t")).doesNotExist();

        var badId = CofferProcess.run("repo", "forget", "--repo", repo, "zz");
        assertThat(badId.code()).isEqualTo(2);

        var badSize = CofferProcess.run("repo", "init", "--repo", tmp.resolve("r2").toString(), "--db-block", "1000");
        assertThat(badSize.code()).isEqualTo(2);
        assertThat(badSize.err()).contains("multiple of 4096");
        assertThat(tmp.resolve("r2/config")).doesNotExist();

        for (var r : new CofferProcess.Result[] {noRepo, noFlag, badOpt, twice, missingSource, unknown, badId, badSize}) {
            assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }
}
