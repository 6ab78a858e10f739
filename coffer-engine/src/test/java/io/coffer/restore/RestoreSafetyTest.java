package io.coffer.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.repo.BlobId;
import io.coffer.repo.BlobType;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Json;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Packer;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.Tree;
import io.coffer.store.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile or damaged manifests must never make a restore write outside its target. */
class RestoreSafetyTest {
    @TempDir
    Path tmp;
    Repository repo;
    Path target;
    Path outside;

    @BeforeEach
    void setUp() throws IOException {
        repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        target = tmp.resolve("restore/target");
        outside = tmp.resolve("restore/outside");
    }

    private String blob(Packer p, byte[] data, BlobType type) throws IOException {
        BlobId id = repo.hash(data, 0, data.length);
        p.add(type, id, data, 0, data.length);
        return id.hex();
    }

    /** Writes a backup whose root tree holds {@code nodes}; files named in {@code content} get that text. */
    private String craft(List<Node> nodes) throws IOException {
        Packer p = repo.newPacker(1);
        byte[] json = Json.write(Tree.of(nodes));
        String tree = blob(p, json, BlobType.TREE);
        p.flush();
        p.close();
        return repo.saveManifest(new Manifest(1, "2026-01-01T00:00:00Z", "h", "/src", Manifest.DIR, null, tree, null, Map.of(), null, null, null, null));
    }

    private Node file(String name, String text) throws IOException {
        Packer p = repo.newPacker(1);
        byte[] d = text.getBytes(StandardCharsets.UTF_8);
        String id = blob(p, d, BlobType.DATA);
        p.flush();
        p.close();
        return new Node(name, Node.FILE, 0644, 0, 0, 0L, 0L, 1L, (long) d.length, "cdc", List.of(id), null, null, null, null);
    }

    private static Node symlink(String name, String target) {
        return new Node(name, Node.SYMLINK, 0777, 0, 0, 0L, 0L, 2L, null, null, null, null, target, null, null);
    }

    private void assertNothingWritten() throws IOException {
        assertThat(outside).doesNotExist();
        if (Files.exists(target)) {
            try (var s = Files.list(target)) {
                assertThat(s).isEmpty();
            }
        }
    }

    @Test
    void namesWithDotDotOrSlashesAreRefused() throws IOException {
        for (String bad : new String[] {"..", "../outside", "a/b", ".", ""}) {
            String id = craft(List.of(file(bad, "pwned")));
            assertThatThrownBy(() -> new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target))
                    .as(bad).isInstanceOf(RepositoryException.class).hasMessageContaining("unsafe name");
            assertNothingWritten();
        }
    }

    @Test
    void duplicateNamesAreRefused() throws IOException {
        String id = craft(List.of(file("x", "1"), symlink("x", "/etc")));
        assertThatThrownBy(() -> new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("duplicate name");
        assertNothingWritten();
    }

    /** As tar, restic and borg do: a symlink comes back exactly as it was, wherever it points, and is never followed. */
    @Test
    void symlinksLeadingOutAreRestoredExactlyAndNeverFollowed() throws IOException {
        Files.createDirectories(outside);
        String[] targets = {"/etc/passwd", outside.toString(), "../outside", "a/../../../outside"};
        List<Node> nodes = new java.util.ArrayList<>();
        nodes.add(file("first", "data"));
        for (int i = 0; i < targets.length; i++) nodes.add(symlink("l" + i, targets[i]));
        String id = craft(nodes);
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target).errors()).isEmpty();
        for (int i = 0; i < targets.length; i++) assertThat(Files.readSymbolicLink(target.resolve("l" + i))).isEqualTo(Path.of(targets[i]));
        assertThat(Files.readString(target.resolve("first"))).isEqualTo("data");
        try (var s = Files.list(outside)) {
            assertThat(s).as("nothing was written through a link").isEmpty();
        }
        // restored again over itself: the links are replaced, not followed
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target).errors()).isEmpty();
        try (var s = Files.list(outside)) {
            assertThat(s).isEmpty();
        }
        assertThat(Files.readSymbolicLink(target.resolve("l1"))).isEqualTo(outside);
    }

    @Test
    void anExtendedAttributeThatCannotBeSetIsAWarningAndTheFileIsRestored() throws IOException {
        // the kernel refuses a file capability that is not one (and "invalid.name" has no namespace)
        Node f = file("f", "kept").withXattrs(Map.of("security.capability", "YmFk", "invalid.name", "eA==", "user.ok", "eWVz"));
        RestoreResult r = new RestoreRunner(repo, RestoreOptions.defaults()).run(craft(List.of(f)), target);
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).singleElement().asString().contains(target.resolve("f").toString(), "invalid.name", "security.capability")
                .doesNotContain("user.ok");
        assertThat(Files.readString(target.resolve("f"))).isEqualTo("kept");
        var user = Files.getFileAttributeView(target.resolve("f"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        assertThat(user.list()).containsExactly("ok");
        assertThat(Files.getLastModifiedTime(target.resolve("f")).toMillis()).isZero(); // the rest of its metadata is set
    }

    @Test
    void symlinksThatStayInsideAreRestored() throws IOException {
        String id = craft(List.of(file("f", "x"), symlink("l", "sub/../f")));
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target).errors()).isEmpty();
        assertThat(Files.readSymbolicLink(target.resolve("l"))).isEqualTo(Path.of("sub/../f"));
    }

    @Test
    void existingSymlinksInTheTargetAreReplacedNotFollowed() throws IOException {
        Files.createDirectories(target);
        Files.createDirectories(outside);
        Files.createSymbolicLink(target.resolve("f"), outside.resolve("victim"));
        Files.createSymbolicLink(target.resolve("d"), outside);
        Node dir = new Node("d", Node.DIR, 0755, 0, 0, 0L, 0L, 3L, null, null, null, null, null, null, null);
        Node inner = file("g", "inner");
        Packer p = repo.newPacker(1);
        String sub = blob(p, Json.write(Tree.of(List.of(inner))), BlobType.TREE);
        p.flush();
        p.close();
        String id = craft(List.of(dir.withSubtree(sub), file("f", "content")));
        assertThat(new RestoreRunner(repo, RestoreOptions.defaults()).run(id, target).errors()).isEmpty();
        assertThat(Files.isSymbolicLink(target.resolve("f"))).isFalse();
        assertThat(Files.readString(target.resolve("f"))).isEqualTo("content");
        assertThat(Files.isSymbolicLink(target.resolve("d"))).isFalse();
        assertThat(Files.readString(target.resolve("d/g"))).isEqualTo("inner");
        assertThat(outside.resolve("victim")).doesNotExist();
        assertThat(outside.resolve("g")).doesNotExist();
    }
}
