package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.restore.RestoreOptions;
import io.coffer.restore.RestoreResult;
import io.coffer.restore.RestoreRunner;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes come back: user attributes (set and read here through the JDK's own view,
 * not Coffer's calls), an ACL (setfacl/getfacl) and a file capability (setcap/getcap, as root).
 * Values from empty to larger than the first read buffer, and more names than its first list.
 */
class XattrsTest {
    @TempDir
    Path tmp;
    Path src;
    Repository repo;

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(tmp.resolve("src"));
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
    }

    @Test
    void extendedAttributesAclsAndCapabilitiesRoundTrip() throws Exception {
        Path f = Files.writeString(src.resolve("f"), "data");
        Path many = Files.writeString(src.resolve("many"), "more");
        Path d = Files.createDirectories(src.resolve("d"));
        Path tool = Files.writeString(src.resolve("tool"), "#!/bin/sh\n");
        Path plain = Files.writeString(src.resolve("plain"), "nothing special");
        set(f, "user.coffer.text", "hello".getBytes(StandardCharsets.UTF_8));
        set(f, "user.coffer.empty", new byte[0]);
        set(f, "user.coffer.binary", Fixtures.random(1, 3000)); // longer than the first read
        for (int i = 0; i < 60; i++) set(many, "user.coffer.name-that-is-rather-long-" + i, new byte[] {(byte) i}); // a long list of names
        set(d, "user.coffer.dir", "on a directory".getBytes(StandardCharsets.UTF_8));
        sh(src, "setfacl -m u:4321:rw- f && setfacl -d -m g:4322:r-x d");
        if (Fixtures.isRoot()) sh(src, "setcap cap_net_bind_service+ep tool");
        Map<String, String> want = describe(src);

        BackupResult b = new BackupRunner(repo, BackupOptions.defaults()).run(src);
        assertThat(b.warnings()).isEmpty();
        assertThat(b.manifest().xattrs()).isTrue();
        Path out = tmp.resolve("out");
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).run(b.id(), out);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(describe(out)).isEqualTo(want);
        assertThat(want.get("f")).contains("user.coffer.binary=", "user.coffer.empty=", "user:4321:rw-");
        assertThat(want.get("d")).contains("default:group:4322:r-x");
        assertThat(want.get("plain")).doesNotContain("user.");
        if (Fixtures.isRoot()) assertThat(want.get("tool")).contains("cap_net_bind_service=ep");

        // unchanged: the parent's attributes, not read again (the trees are the parent's)
        BackupResult same = new BackupRunner(repo, BackupOptions.defaults().withParent(b.id())).run(src);
        assertThat(same.manifest().tree()).isEqualTo(b.manifest().tree());
        // one changed, one removed: each changes the ctime, and the next backup sees it
        set(f, "user.coffer.text", "changed".getBytes(StandardCharsets.UTF_8));
        Files.getFileAttributeView(many, UserDefinedFileAttributeView.class).delete("coffer.name-that-is-rather-long-7");
        Map<String, String> want2 = describe(src);
        BackupResult next = new BackupRunner(repo, BackupOptions.defaults().withParent(same.id())).run(src);
        Path out2 = tmp.resolve("out2");
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(next.id(), out2).errors()).isEmpty();
        assertThat(describe(out2)).isEqualTo(want2).isNotEqualTo(want);
    }

    /** Per entry: its user attributes (name=hex value), its ACL and its capabilities. */
    private static Map<String, String> describe(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String name : new String[] {"f", "many", "d", "tool", "plain"}) {
            Path p = root.resolve(name);
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            StringBuilder sb = new StringBuilder();
            for (String x : v.list().stream().sorted().toList()) {
                ByteBuffer buf = ByteBuffer.allocate(v.size(x));
                v.read(x, buf);
                sb.append("user.").append(x).append('=').append(java.util.HexFormat.of().formatHex(buf.array())).append('\n');
            }
            sb.append(sh(root, "getfacl -c -p " + name));
            sb.append(sh(root, "getcap " + name + " | sed 's/^[^ ]* //'"));
            out.put(name, sb.toString());
        }
        return out;
    }

    private static void set(Path p, String name, byte[] value) throws IOException {
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class).write(name.substring("user.".length()), ByteBuffer.wrap(value));
    }

    private static String sh(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(script + "\n" + out).isZero();
        return out;
    }
}
