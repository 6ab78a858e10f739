package io.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest extends AbstractObjectStoreTest {
    @TempDir
    Path dir;

    @Override
    protected ObjectStore newStore() throws Exception {
        return LocalObjectStore.open(dir.resolve("repo"));
    }

    @Test
    void longHexNamesAreShardedOnDiskButNotInKeys() throws Exception {
        String id = "ab".repeat(32);
        store.put("data/" + id, ByteBuffer.wrap(new byte[] {1}));
        assertThat(dir.resolve("repo/data/ab/" + id)).exists();
        assertThat(store.list("data/")).extracting(ObjectInfo::key).containsExactly("data/" + id);
    }

    @Test
    void putLeavesNoTemporaryFiles() throws Exception {
        for (int i = 0; i < 20; i++) store.put("data/x" + i, ByteBuffer.wrap(new byte[100]));
        try (var s = Files.list(dir.resolve("repo/tmp"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void staleTemporaryFilesFromACrashAreRemovedOnOpenAndNeverListed() throws Exception {
        Path stale = dir.resolve("repo/tmp/dead.tmp");
        Path fresh = dir.resolve("repo/tmp/live.tmp");
        Files.write(stale, new byte[10]);
        Files.write(fresh, new byte[10]);
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
        assertThat(store.list("")).isEmpty();
        LocalObjectStore.open(dir.resolve("repo"));
        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }
}
