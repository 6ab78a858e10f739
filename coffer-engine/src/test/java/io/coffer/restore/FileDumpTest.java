package io.coffer.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.backup.BackupOptions;
import io.coffer.backup.BackupRunner;
import io.coffer.repo.InitOptions;
import io.coffer.repo.Manifest;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.store.LocalObjectStore;
import io.coffer.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One file of a backup, byte for byte: chunks, blocks stored in groups, holes; what is not a file is refused. */
class FileDumpTest {
    @TempDir
    Path tmp;

    @Test
    void aFileComesOutByteForByteAndDirectoriesAreRefused() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] text = Fixtures.text(1, 3_000_000); // CDC chunks
        Files.write(src.resolve("notes.txt"), text);
        Path rel = Files.createDirectories(src.resolve("base/16384")).resolve("2619"); // a PostgreSQL relation: 8 KiB blocks in groups
        byte[] pages = new byte[3 << 20];
        System.arraycopy(Fixtures.text(2, 1 << 20), 0, pages, 0, 1 << 20); // then 1 MiB of zeros (a hole), then more pages
        System.arraycopy(Fixtures.random(3, 1 << 20), 0, pages, 2 << 20, 1 << 20);
        Files.write(rel, pages);
        Repository repo = Repository.init(LocalObjectStore.open(tmp.resolve("repo")), InitOptions.defaults(), null);
        Manifest m = repo.loadManifest(new BackupRunner(repo, BackupOptions.defaults()).run(src).id());

        assertThat(dump(repo, m, "notes.txt")).isEqualTo(text);
        assertThat(dump(repo, m, "/base/16384/2619")).isEqualTo(pages);
        Node node = FileDump.find(repo, m, "base/16384/2619");
        assertThat(node.chunking()).isEqualTo("fixed:8192");
        assertThat(node.content()).anyMatch(Node::isZero);

        assertThatThrownBy(() -> FileDump.find(repo, m, "base")).isInstanceOf(RepositoryException.class)
                .hasMessageContaining("base is a directory").hasMessageContaining("repo restore --path base");
        assertThatThrownBy(() -> FileDump.find(repo, m, "base/nope")).hasMessageContaining("no 'nope'");
        assertThatThrownBy(() -> FileDump.find(repo, m, "notes.txt/x")).hasMessageContaining("'notes.txt' is not a directory");
        assertThatThrownBy(() -> FileDump.find(repo, m, null)).hasMessageContaining("name the file");
    }

    private static byte[] dump(Repository repo, Manifest m, String path) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = FileDump.write(repo, FileDump.find(repo, m, path), out);
        assertThat(n).isEqualTo(out.size());
        return out.toByteArray();
    }
}
