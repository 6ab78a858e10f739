package io.coffer.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.coffer.testing.Fixtures;
import io.coffer.testing.TreeDigest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        var lsSub = CofferProcess.run("repo", "ls", "--repo", repo, id2, "a/b/");
        assertThat(lsSub.code()).as(lsSub.toString()).isZero();
        assertThat(lsSub.out()).contains("  a/b\n").contains("a/b/c/small.cfg").contains("a/b/up -> ../../one.txt").doesNotContain("text.log").doesNotContain("added.txt");
        var lsMissing = CofferProcess.run("repo", "ls", "--repo", repo, id2, "a/nope");
        assertThat(lsMissing.code()).isNotZero();
        assertThat(lsMissing.err()).contains("no 'nope'");
        var find = CofferProcess.run("repo", "find", "--repo", repo, "small.cfg");
        assertThat(find.code()).as(find.toString()).isZero();
        assertThat(find.out()).contains("a/b/c/small.cfg").contains("2 match(es) in 2 backups");
        JsonNode fj = JSON.readTree(CofferProcess.run("repo", "find", "--repo", repo, "--json", "--backup", id2, "added.*").out());
        assertThat(fj.findValuesAsText("path")).containsExactly("added.txt");
        var dump = CofferProcess.run("repo", "dump", "--repo", repo, id2, "a/text.log");
        assertThat(dump.code()).as(dump.err()).isZero();
        assertThat(dump.out()).isEqualTo(Files.readString(src.resolve("a/text.log")));
        var dumpDir = CofferProcess.run("repo", "dump", "--repo", repo, id2, "a");
        assertThat(dumpDir.code()).isNotZero();
        assertThat(dumpDir.err()).contains("a is a directory").doesNotContain("Exception");
        var diff = CofferProcess.run("repo", "diff", "--repo", repo, id.substring(0, 8), "latest");
        assertThat(diff.code()).as(diff.toString()).isZero();
        assertThat(diff.out()).contains("+    added.txt\n").contains("1 added (9.8 KiB)");
        JsonNode dj = JSON.readTree(CofferProcess.run("repo", "diff", "--repo", repo, "--json", "--metadata", id, id2).out());
        assertThat(dj.get("changes").findValuesAsText("path")).containsExactly("added.txt");
        assertThat(dj.at("/summary/added").asLong()).isEqualTo(1);

        var r1 = CofferProcess.run("repo", "restore", "--repo", repo, id, tmp.resolve("r1").toString());
        assertThat(r1.code()).as(r1.toString()).isZero();
        assertThat(TreeDigest.diff(before, TreeDigest.of(tmp.resolve("r1")))).isEmpty();
        Files.writeString(tmp.resolve("r1/not-in-the-backup"), "stale");
        var again = CofferProcess.run("repo", "restore", "--repo", repo, "--delete", id, tmp.resolve("r1").toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.err()).contains("deleted 1 entries that are not in the backup");
        assertThat(TreeDigest.diff(before, TreeDigest.of(tmp.resolve("r1")))).isEmpty();
        var r2 = CofferProcess.run("repo", "restore", "--repo", repo, id2.substring(0, 10), tmp.resolve("r2").toString());
        assertThat(r2.code()).as(r2.toString()).isZero();
        assertThat(TreeDigest.diff(after, TreeDigest.of(tmp.resolve("r2")))).isEmpty();
        assertThat(TreeDigest.allocated(tmp.resolve("r2/sparse.img"))).isLessThan(2L << 20);

        var check = CofferProcess.run("repo", "check", "--repo", repo, "--read-data");
        assertThat(check.code()).as(check.toString()).isZero();
        assertThat(check.out()).contains("no errors");
        var part = CofferProcess.run("repo", "check", "--repo", repo, "--read-data-subset", "1/2", "--json");
        assertThat(part.code()).as(part.toString()).isZero();
        JsonNode pj = JSON.readTree(part.out());
        assertThat(pj.get("packsRead").asInt()).isLessThanOrEqualTo(pj.get("packs").asInt());
        var badPart = CofferProcess.run("repo", "check", "--repo", repo, "--read-data-subset", "3/2");
        assertThat(badPart.code()).isEqualTo(2);
        assertThat(badPart.err()).contains("'3/2'").contains("n/t").doesNotContain("Exception");
        JsonNode one = JSON.readTree(CofferProcess.run("repo", "stats", "--repo", repo, "--json", id2).out());
        assertThat(one.get("files").asLong()).isEqualTo(11);
        assertThat(one.get("exclusiveRawBytes").asLong()).isGreaterThanOrEqualTo(10_000); // added.txt is id2's alone
        var badStats = CofferProcess.run("repo", "stats", "--repo", repo, id2, "ffffffff");
        assertThat(badStats.code()).isNotZero();
        assertThat(badStats.err()).contains("ffffffff").doesNotContain("Exception");
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

    /** Like a backup of /etc: absolute links and links out of the tree restore as they were, with no flag. */
    @Test
    void symlinksPointingAnywhereRestoreExactlyWithoutAFlag() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("links"));
        Path outside = Files.createDirectories(tmp.resolve("outside-of-it"));
        Files.writeString(src.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.createDirectories(src.resolve("alternatives"));
        String[] targets = {"/etc/passwd", "/usr/bin/vi", "../../outside-of-it", outside.toString(), "hosts", "/nonexistent/at/all"};
        for (int i = 0; i < targets.length; i++) Files.createSymbolicLink(src.resolve("alternatives/l" + i), Path.of(targets[i]));
        Path repo = tmp.resolve("links-repo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString()).code()).isZero();
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        Path out = tmp.resolve("links-out");
        var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "latest", out.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        for (int i = 0; i < targets.length; i++) {
            assertThat(Files.readSymbolicLink(out.resolve("alternatives/l" + i))).isEqualTo(Path.of(targets[i]));
        }
        try (var s = Files.list(outside)) {
            assertThat(s).as("nothing written through a link").isEmpty();
        }
        // the flag of earlier versions is accepted and changes nothing
        var again = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "--allow-external-symlinks", "latest", tmp.resolve("links-out2").toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(Files.readSymbolicLink(tmp.resolve("links-out2/alternatives/l0"))).isEqualTo(Path.of("/etc/passwd"));
    }

    /** A target that fills up: the file that does not fit fails, gives its space back, and everything else is restored. */
    @Test
    void aRestoreIntoAFullFileSystemRestoresWhatFitsAndCountsTruly() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("fill"));
        Files.write(src.resolve("a-big"), Fixtures.random(77, 40 << 20));
        for (int i = 0; i < 60; i++) Files.write(src.resolve(String.format("s%02d", i)), Fixtures.random(1000 + i, 20_000));
        Files.createLink(src.resolve("s00-link"), src.resolve("s00"));
        Path repo = tmp.resolve("fill-repo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString()).code()).isZero();
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.toString());
        assertThat(b.code()).as(b.toString()).isZero();
        Path mnt = Files.createDirectories(tmp.resolve("small-fs"));
        sh("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt.toString());
        try {
            Path out = mnt.resolve("out");
            // one writer, so that the small files come after the large one has failed, whatever the timing
            var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "--json", "--threads", "1", "latest", out.toString());
            assertThat(r.code()).as(r.toString()).isEqualTo(3);
            JsonNode res = new ObjectMapper().readTree(r.out());
            assertThat(res.path("errors").toString()).contains("a-big").contains("(file not restored)");
            assertThat(res.path("files").asLong()).as("true count: 60 files, the hard link not twice, not the failed one").isEqualTo(60);
            assertThat(res.path("bytes").asLong()).as("bytes restored: the 60 files, not what the failed one wrote and gave back").isEqualTo(60L * 20_000);
            assertThat(out.resolve("a-big")).doesNotExist();
            for (int i = 0; i < 60; i++) {
                assertThat(Files.readAllBytes(out.resolve(String.format("s%02d", i)))).isEqualTo(Fixtures.random(1000 + i, 20_000));
            }
            assertThat(Files.isSameFile(out.resolve("s00"), out.resolve("s00-link"))).isTrue();
        } finally {
            sh("umount", mnt.toString());
        }
    }

    /** A zero-filled WAL segment comes back allocated, a sparse file sparse; --sparse makes both sparse. */
    @Test
    void allocatedZerosStayAllocatedAndSparseAsksForHoles() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("alloc/pg_wal"));
        Files.write(src.resolve("000000010000000000000001"), new byte[16 << 20]); // written: every byte allocated
        try (var f = new java.io.RandomAccessFile(src.resolveSibling("holes.img").toFile(), "rw")) {
            f.setLength(16 << 20);
        }
        Path repo = tmp.resolve("alloc-repo");
        assertThat(CofferProcess.run("repo", "init", "--repo", repo.toString()).code()).isZero();
        var b = CofferProcess.run("repo", "backup", "--repo", repo.toString(), src.getParent().toString());
        assertThat(b.code()).as(b.toString()).isZero();
        var r = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "latest", tmp.resolve("alloc-out").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(TreeDigest.allocated(tmp.resolve("alloc-out/pg_wal/000000010000000000000001"))).isGreaterThanOrEqualTo(16L << 20);
        assertThat(TreeDigest.allocated(tmp.resolve("alloc-out/holes.img"))).isLessThan(1L << 20);
        var sparse = CofferProcess.run("repo", "restore", "--repo", repo.toString(), "--sparse", "latest", tmp.resolve("alloc-sparse").toString());
        assertThat(sparse.code()).as(sparse.toString()).isZero();
        assertThat(TreeDigest.allocated(tmp.resolve("alloc-sparse/pg_wal/000000010000000000000001"))).isLessThan(1L << 20);
        assertThat(Files.size(tmp.resolve("alloc-sparse/pg_wal/000000010000000000000001"))).isEqualTo(16L << 20);
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void aBackupWithoutParentReusesTheLatestBackupOfTheSameSource() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        for (int i = 0; i < 5; i++) Files.write(a.resolve("f" + i), Fixtures.random(i, 300_000));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.write(b.resolve("f0"), Fixtures.random(0, 300_000));
        Path image = tmp.resolve("disk.img");
        Files.write(image, Fixtures.random(9, 1 << 20));
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();

        JsonNode a1 = backup(repo, a.toString());
        assertThat(a1.hasNonNull("parent")).as(a1.toString()).isFalse(); // no parent: no "parent" field
        assertThat(a1.at("/stats/bytesRead").asLong()).isEqualTo(1_500_000);
        JsonNode b1 = backup(repo, b.toString()); // another source: not a parent of a's backups, nor a's of it
        assertThat(b1.hasNonNull("parent")).isFalse();
        JsonNode i1 = backup(repo, image.toString());
        assertThat(i1.hasNonNull("parent")).isFalse();

        JsonNode a2 = backup(repo, a.toString());
        assertThat(a2.get("parent").asText()).isEqualTo(a1.get("id").asText());
        assertThat(a2.at("/stats/filesUnchanged").asLong()).isEqualTo(5);
        assertThat(a2.at("/stats/bytesRead").asLong()).isZero();
        JsonNode i2 = backup(repo, image.toString());
        assertThat(i2.get("parent").asText()).isEqualTo(i1.get("id").asText());

        // the same source named by another spelling of its path; the newest backup is the parent
        Files.write(a.resolve("f4"), Fixtures.random(40, 300_000));
        Map<String, String> changed = TreeDigest.of(a);
        var text = CofferProcess.run("repo", "backup", "--repo", repo, tmp.resolve("b/../a/").toString());
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.err()).contains("parent: " + a2.get("id").asText().substring(0, 12));
        assertThat(text.err()).contains("4 unchanged");
        String a3 = text.out().trim();

        JsonNode full = backup(repo, "--no-parent", a.toString());
        assertThat(full.hasNonNull("parent")).isFalse();
        assertThat(full.at("/stats/bytesRead").asLong()).isEqualTo(1_500_000);
        assertThat(full.at("/stats/filesUnchanged").asLong()).isZero();

        var both = CofferProcess.run("repo", "backup", "--repo", repo, "--parent", "latest", "--no-parent", a.toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--no-parent");

        var r = CofferProcess.run("repo", "restore", "--repo", repo, "-q", a3, tmp.resolve("r").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(TreeDigest.diff(changed, TreeDigest.of(tmp.resolve("r")))).isEmpty();
    }

    @Test
    void forgetByKeepPolicyPerSourceThenPrune() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.write(b.resolve("only"), Fixtures.random(7, 200_000));
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();
        List<String> aIds = new ArrayList<>();
        Map<String, String> newestA = null;
        for (int i = 0; i < 4; i++) {
            Files.write(a.resolve("f" + i), Fixtures.random(100 + i, 400_000)); // each an incremental of the one before
            aIds.add(backup(repo, a.toString()).get("id").asText());
            newestA = TreeDigest.of(a);
        }
        String b1 = backup(repo, b.toString()).get("id").asText();
        String b2 = backup(repo, b.toString()).get("id").asText();

        var dry = CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "2", "--dry-run", "--json");
        assertThat(dry.code()).as(dry.toString()).isZero();
        JsonNode dj = JSON.readTree(dry.out());
        assertThat(dj.get("dryRun").asBoolean()).isTrue();
        assertThat(JSON.convertValue(dj.get("forgotten"), List.class)).containsExactlyInAnyOrder(aIds.get(0), aIds.get(1));
        JsonNode groupA = dj.get("groups").get(0);
        assertThat(groupA.get("source").asText()).isEqualTo(a.toString());
        assertThat(groupA.get("kept").findValuesAsText("id")).containsExactly(aIds.get(3), aIds.get(2));
        assertThat(groupA.get("kept").get(0).get("reasons").get(0).asText()).isEqualTo("last");
        assertThat(dj.get("groups").get(1).get("kept").findValuesAsText("id")).containsExactly(b2, b1);
        assertThat(JSON.readTree(CofferProcess.run("repo", "ls", "--repo", repo, "--json").out()).findValuesAsText("id")).hasSize(6);

        // one group of all backups: the two newest of all are kept, whatever their source
        JsonNode all = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "2", "--group-by", "", "-n", "--json").out());
        assertThat(all.get("groups")).hasSize(1);
        assertThat(all.get("groups").get(0).has("source")).isFalse();
        assertThat(all.get("groups").get(0).get("kept").findValuesAsText("id")).containsExactly(b2, b1);
        assertThat(JSON.convertValue(all.get("forgotten"), List.class)).containsExactlyInAnyOrderElementsOf(aIds);
        // by host and tags: all six are alike
        JsonNode byTags = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--group-by", "host,tags", "-n", "--json").out());
        assertThat(byTags.get("groups")).hasSize(1);
        assertThat(byTags.get("groups").get(0).get("tags").isObject()).isTrue();
        // only the backups labelled so: none here
        JsonNode tagged = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--tag", "volume=none", "-n", "--json").out());
        assertThat(tagged.get("groups")).isEmpty();
        assertThat(tagged.get("forgotten")).isEmpty();
        // another host's backups only: none here, nothing is forgotten
        JsonNode other = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--host", "elsewhere", "-n", "--json").out());
        assertThat(other.get("groups")).isEmpty();
        assertThat(other.get("forgotten")).isEmpty();
        var badGroup = CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--group-by", "host,path");
        assertThat(badGroup.code()).as(badGroup.toString()).isEqualTo(2);
        assertThat(badGroup.err()).contains("--group-by 'host,path'").doesNotContain("Exception");

        var text = CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--keep-tag", "pin=yes", "--prune");
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out()).contains(a + ": 4 backup(s), keep 1, forget 3")
                .contains("keep    " + aIds.get(3).substring(0, 12)).contains("forget  " + aIds.get(0).substring(0, 12))
                .contains("forgot 4 backup(s)").contains("pruned: ");
        assertThat(JSON.readTree(CofferProcess.run("repo", "ls", "--repo", repo, "--json").out()).findValuesAsText("id"))
                .containsExactlyInAnyOrder(aIds.get(3), b2);
        var check = CofferProcess.run("repo", "check", "--repo", repo, "--read-data");
        assertThat(check.code()).as(check.toString()).isZero();
        var r = CofferProcess.run("repo", "restore", "--repo", repo, "-q", aIds.get(3), tmp.resolve("r").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(TreeDigest.diff(newestA, TreeDigest.of(tmp.resolve("r")))).isEmpty();

        for (String[] bad : new String[][] {{}, {aIds.get(3), "--keep-last", "1"}, {"--keep-within", "7x"}, {"--keep-daily", "-1"}}) {
            List<String> cmd = new ArrayList<>(List.of("repo", "forget", "--repo", repo));
            cmd.addAll(List.of(bad));
            var res = CofferProcess.run(cmd.toArray(String[]::new));
            assertThat(res.code()).as(res.toString()).isEqualTo(2);
            assertThat(res.err()).as(res.toString()).containsAnyOf("--keep-", "7d").doesNotContain("Exception");
        }
        assertThat(JSON.readTree(CofferProcess.run("repo", "ls", "--repo", repo, "--json").out()).findValuesAsText("id")).hasSize(2);

        // --tag: the policy sees only the labelled backups of b's group
        String pinned = backup(repo, "--tag", "pin=yes", b.toString()).get("id").asText();
        JsonNode onlyPinned = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "--tag", "pin=yes", "-n", "--json").out());
        assertThat(onlyPinned.get("groups")).hasSize(1);
        assertThat(onlyPinned.get("groups").get(0).get("kept").findValuesAsText("id")).containsExactly(pinned);
        assertThat(onlyPinned.get("forgotten")).isEmpty();
        JsonNode unfiltered = JSON.readTree(CofferProcess.run("repo", "forget", "--repo", repo, "--keep-last", "1", "-n", "--json").out());
        assertThat(JSON.convertValue(unfiltered.get("forgotten"), List.class)).containsExactly(b2);
    }

    /**
     * Without any locale (as under cron), a source path that is not ASCII on the command line, and
     * names and a link target that are not UTF-8 in it, back up and restore byte for byte. Driven
     * through bash: the script is ASCII, so no such name passes through this test's JVM.
     */
    @Test
    void withoutALocaleNamesThatAreNotUtf8OrAsciiComeBackByteForByte() throws Exception {
        String script = """
                set -e
                src=$'donn\\xc3\\xa9es'; mkdir "$src"; cd "$src"
                printf one > $'caf\\xe9'; printf two > $'caf\\xe8'; printf three > $'ok\\xe2\\x82\\xac'
                mkdir $'d\\xff'; printf four > $'d\\xff/f'; ln -s $'caf\\xe9' $'l\\xfd'; cd ..
                export COFFER_PASSWORD=pw
                "$COFFER" repo init --repo repo -q
                "$COFFER" repo backup --repo repo -q "$src" > id
                "$COFFER" repo ls --repo repo latest > ls.txt
                "$COFFER" repo restore --repo repo -q latest out
                "$COFFER" repo restore --repo repo -q --path 'd\\xff' latest sub
                "$COFFER" repo check --repo repo --read-data > check.txt
                list() { (cd "$1" && find . -mindepth 1 -printf '%P|%y|%l|%s|%m|%T@\\n' | LC_ALL=C sort | od -c); }
                [ "$(list "$src")" = "$(list out)" ] && echo same-listing
                diff -r --no-dereference "$src" out && echo same-content
                [ "$(cat sub/$'d\\xff'/f)" = four ] && echo sub-path
                """;
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.matches("COFFER_(REPO|PASSWORD|NEW_PASSWORD)"));
        pb.environment().put("COFFER", CofferProcess.launcher().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("same-listing", "same-content", "sub-path");
        assertThat(Files.readString(tmp.resolve("ls.txt"))).contains("caf\\xe9", "caf\\xe8", "d\\xff/f", "l\\xfd -> caf\\xe9", "ok\u20ac");
    }

    @Test
    void excludePatternsFromTheCommandLineAndAFileLeaveEntriesOut() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("keep.txt"), Fixtures.random(1, 50_000));
        Files.write(src.resolve("app.log"), Fixtures.random(2, 50_000));
        Files.write(Files.createDirectories(src.resolve("sub/cache")).resolve("c.bin"), Fixtures.random(3, 50_000));
        Files.write(src.resolve("sub/cache.txt"), Fixtures.random(4, 50_000));
        Files.write(src.resolve("big.iso"), Fixtures.random(5, 200_000));
        Path rules = Files.writeString(tmp.resolve("excludes"), "# build junk\n*.log\r\n\ncache/\n");
        String repo = tmp.resolve("repo").toString();
        assertThat(CofferProcess.run("repo", "init", "--repo", repo).code()).isZero();

        var dry = CofferProcess.run("repo", "backup", "--repo", repo, "--dry-run", "--exclude", "/big.iso", "--exclude-file", rules.toString(), src.toString());
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("new").contains("keep.txt").contains("sub/cache.txt").doesNotContain("big.iso").doesNotContain("app.log");
        assertThat(dry.err()).contains("2 of 2 files to read").contains("3 excluded").contains("nothing written");
        assertThat(JSON.readTree(CofferProcess.run("repo", "ls", "--repo", repo, "--json").out())).isEmpty();
        JsonNode b = backup(repo, "--exclude", "/big.iso", "--exclude-file", rules.toString(), src.toString());
        assertThat(b.get("excluded").asLong()).isEqualTo(3);
        assertThat(b.at("/stats/files").asLong()).isEqualTo(2);
        var r = CofferProcess.run("repo", "restore", "--repo", repo, "-q", b.get("id").asText(), tmp.resolve("r").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(tmp.resolve("r/keep.txt")).exists();
        assertThat(tmp.resolve("r/sub/cache.txt")).exists();
        assertThat(tmp.resolve("r/app.log")).doesNotExist();
        assertThat(tmp.resolve("r/sub/cache")).doesNotExist();
        assertThat(tmp.resolve("r/big.iso")).doesNotExist();

        var some = CofferProcess.run("repo", "restore", "--repo", repo, "-q", "--include", "sub/", "--exclude", "*.txt", "latest", tmp.resolve("some").toString());
        assertThat(some.code()).as(some.toString()).isZero();
        assertThat(tmp.resolve("some/sub")).isDirectory();
        assertThat(tmp.resolve("some/sub/cache.txt")).doesNotExist();
        assertThat(tmp.resolve("some/keep.txt")).doesNotExist();
        var badInclude = CofferProcess.run("repo", "restore", "--repo", repo, "--include", "[oops", "latest", tmp.resolve("none").toString());
        assertThat(badInclude.code()).isEqualTo(2);
        assertThat(badInclude.err()).contains("include pattern '[oops'").doesNotContain("Exception");
        assertThat(tmp.resolve("none")).doesNotExist();
        var badGlob = CofferProcess.run("repo", "backup", "--repo", repo, "--exclude", "[oops", src.toString());
        assertThat(badGlob.code()).as(badGlob.toString()).isEqualTo(2);
        assertThat(badGlob.err()).contains("'[oops'").doesNotContain("Exception");
        var noFile = CofferProcess.run("repo", "backup", "--repo", repo, "--exclude-file", tmp.resolve("nope").toString(), src.toString());
        assertThat(noFile.code()).isEqualTo(2);
        assertThat(noFile.err()).contains("exclude file").contains("nope");
        JsonNode listed = JSON.readTree(CofferProcess.run("repo", "ls", "--repo", repo, "--json").out());
        assertThat(listed.findValuesAsText("id")).hasSize(1);
        assertThat(listed.get(0).get("excludes").toString()).isEqualTo("[\"/big.iso\",\"*.log\",\"cache/\"]");
    }

    @Test
    void keysAreAddedChangedAndRemovedWithoutTouchingTheData() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("f"), Fixtures.random(1, 100_000));
        Map<String, String> digest = TreeDigest.of(src);
        String repo = tmp.resolve("repo").toString();
        Map<String, String> alpha = Map.of("COFFER_PASSWORD", "alpha");
        assertThat(CofferProcess.run(alpha, "repo", "init", "--repo", repo).code()).isZero();
        String id = CofferProcess.run(alpha, "repo", "backup", "--repo", repo, "-q", src.toString()).out().trim();

        var add = CofferProcess.run(Map.of("COFFER_PASSWORD", "alpha", "COFFER_NEW_PASSWORD", "beta"), "repo", "key", "add", "--repo", repo, "--json");
        assertThat(add.code()).as(add.toString()).isZero();
        var list = CofferProcess.run(Map.of("COFFER_PASSWORD", "beta"), "repo", "key", "list", "--repo", repo, "--json");
        JsonNode keys = JSON.readTree(list.out());
        assertThat(keys).hasSize(2);
        String alphaKey = null;
        for (JsonNode k : keys) if (!k.get("current").asBoolean()) alphaKey = k.get("id").asText();
        assertThat(alphaKey).isNotNull();

        Path newPw = Files.writeString(tmp.resolve("new-password"), "gamma\n");
        var passwd = CofferProcess.run(alpha, "repo", "key", "passwd", "--repo", repo, "--new-password-file", newPw.toString());
        assertThat(passwd.code()).as(passwd.toString()).isZero();
        var oldOne = CofferProcess.run(alpha, "repo", "ls", "--repo", repo);
        assertThat(oldOne.code()).isNotZero();
        assertThat(oldOne.err()).contains("wrong password");
        var r = CofferProcess.run(Map.of("COFFER_PASSWORD", "gamma"), "repo", "restore", "--repo", repo, "-q", id, tmp.resolve("r").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(TreeDigest.diff(digest, TreeDigest.of(tmp.resolve("r")))).isEmpty();

        var self = CofferProcess.run(Map.of("COFFER_PASSWORD", "beta"), "repo", "key", "list", "--repo", repo);
        assertThat(self.out()).contains("* ").contains("password");
        String betaKey = self.out().lines().filter(l -> l.startsWith("* ")).findFirst().orElseThrow().substring(2, 14);
        var refused = CofferProcess.run(Map.of("COFFER_PASSWORD", "beta"), "repo", "key", "remove", "--repo", repo, betaKey);
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("opened the repository with").doesNotContain("Exception");
        var removed = CofferProcess.run(Map.of("COFFER_PASSWORD", "gamma"), "repo", "key", "remove", "--repo", repo, betaKey);
        assertThat(removed.code()).as(removed.toString()).isZero();
        assertThat(CofferProcess.run(Map.of("COFFER_PASSWORD", "beta"), "repo", "ls", "--repo", repo).code()).isNotZero();
        var noNew = CofferProcess.run(Map.of("COFFER_PASSWORD", "gamma"), "repo", "key", "add", "--repo", repo);
        assertThat(noNew.code()).isEqualTo(2);
        assertThat(noNew.err()).contains("COFFER_NEW_PASSWORD");
        assertThat(JSON.readTree(CofferProcess.run(Map.of("COFFER_PASSWORD", "gamma"), "repo", "key", "list", "--repo", repo, "--json").out())).hasSize(1);
    }

    private static JsonNode backup(String repo, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("repo", "backup", "--repo", repo, "--json"));
        cmd.addAll(List.of(args));
        var res = CofferProcess.run(cmd.toArray(String[]::new));
        assertThat(res.code()).as(res.toString()).isZero();
        return JSON.readTree(res.out());
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
