package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File names and symlink targets are bytes, not always UTF-8: they come back exactly. The tree is
 * made and compared by the shell and GNU find and diff, which see bytes, not by the JDK (whose
 * strings lose such bytes: two of these names decode alike).
 */
class RawNamesTest {
    @TempDir
    Path tmp;
    Path src;
    Repository repo;

    @BeforeEach
    void setUp() throws Exception {
        src = tmp.resolve("src");
        Files.createDirectories(src);
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        sh(src, """
                printf 'e acute' > $'caf\\xe9'; printf 'e grave' > $'caf\\xe8'
                mkdir $'d\\xff'; printf inner > $'d\\xff/f\\xfe'; mkdir $'d\\xff/empty\\x80'
                ln -s $'caf\\xe9' $'l\\xfd'; ln -s $'../d\\xff//f\\xfe' $'d\\xff/up\\xfa'; ln -s 'a//b/' slashes
                ln $'caf\\xe9' $'hard\\xfc'; mkfifo $'fifo\\xfb'
                printf x > 'ok€'; printf y > $'rep\\xef\\xbf\\xbd'; printf z > $'\\xc3\\x28'
                touch -d '2001-02-03 04:05:06.123456789' $'caf\\xe9' $'d\\xff/f\\xfe' $'d\\xff'; chmod 0600 $'caf\\xe8'
                """);
    }

    @Test
    void namesAndTargetsThatAreNotUtf8RoundTripExactly() throws Exception {
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        assertThat(b.warnings()).isEmpty();
        assertThat(b.manifest().stats().files()).isEqualTo(7);

        Path out = tmp.resolve("out");
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).run(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(listing(out)).isEqualTo(listing(src)).contains("caf\\351|f|", "slashes|l|a//b/|", "d\\377/up\\372|l|../d\\377//f\\376|");
        assertThat(sh(tmp, "diff -r --no-dereference -x 'fifo*' src out && echo same")).isEqualTo("same\n");

        // an incremental finds every file unchanged by these names
        BackupResult again = new BackupRunner(repo, BackupOptions.defaults().withParent(b.id())).run(src);
        assertThat(again.warnings()).isEmpty();
        assertThat(again.manifest().stats().filesUnchanged()).isEqualTo(7);
        assertThat(again.manifest().tree()).isEqualTo(b.manifest().tree());
    }

    @Test
    void aSubPathIsNamedAsLsShowsIt() throws Exception {
        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        Path out = tmp.resolve("sub");
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults().withPath("d\\xff/f\\xfe")).run(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertThat(listing(out)).contains("d\\377/f\\376|f||5|644|").doesNotContain("caf");
    }

    /** Every entry below {@code root}: name, type, link target, size, mode, owner, mtime and link count; bytes above 0x7f as octal escapes. */
    private static String listing(Path root) throws Exception {
        String raw = sh(root, "find . -mindepth 1 -printf '%P|%y|%l|%s|%m|%U:%G|%T@|%n\\n' | LC_ALL=C sort");
        StringBuilder sb = new StringBuilder();
        for (char c : raw.toCharArray()) sb.append(c < 0x80 ? String.valueOf(c) : "\\" + Integer.toOctalString(c));
        return sb.toString();
    }

    private static String sh(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor()).as(script + "\n" + out).isZero();
        return out;
    }
}
