package io.coffer.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.sys.Posix;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tree walk stats entries with fstatat(2) relative to their directory; what it reads must be
 * exactly what the JDK's "unix" attribute view reads, for every kind of entry and field.
 */
class FileMetaTest {
    @TempDir
    Path dir;

    @Test
    void fstatatReadsWhatTheJdkReadsForEveryKindOfEntry() throws Exception {
        List<String> names = new ArrayList<>();
        Files.writeString(dir.resolve("plain"), "x");
        names.add("plain");
        Files.createDirectory(dir.resolve("sub"));
        names.add("sub");
        Files.createSymbolicLink(dir.resolve("link"), Path.of("plain"));
        names.add("link");
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        names.add("dangling");
        Files.createSymbolicLink(dir.resolve("dirlink"), Path.of("sub")); // a symlink to a directory is a symlink
        names.add("dirlink");
        Files.writeString(dir.resolve("hard-a"), "hard");
        Files.createLink(dir.resolve("hard-b"), dir.resolve("hard-a"));
        names.add("hard-a");
        names.add("hard-b");
        sh("mkfifo", dir.resolve("fifo").toString());
        names.add("fifo");
        Path big = dir.resolve("big-sparse");
        try (var raf = new RandomAccessFile(big.toFile(), "rw")) {
            raf.setLength(5L << 30); // a size past 32 bits
        }
        names.add("big-sparse");
        Path odd = Files.writeString(dir.resolve("fichier-été ✓"), "y");
        names.add("fichier-été ✓");
        Path modes = Files.writeString(dir.resolve("modes"), "m");
        sh("chmod", "7751", modes.toString()); // setuid, setgid and sticky bits
        names.add("modes");
        Path owned = Files.writeString(dir.resolve("owned"), "o");
        if (io.coffer.testing.Fixtures.isRoot()) {
            sh("chown", "4000000000:3000000001", owned.toString()); // ids past 31 bits
            sh("mknod", dir.resolve("chr").toString(), "c", "1", "3");
            names.add("chr");
        }
        names.add("owned");
        Files.setLastModifiedTime(odd, FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        if (Posix.available()) { // before the epoch (the JDK's own setter leaves such a time at 0)
            assertThat(Posix.utimens(owned, 0, -1_500_000_001L)).isTrue();
            assertThat(FileMeta.read(owned).mtime()).isEqualTo(-1_500_000_001L);
        }

        int fd = Posix.openDirectory(dir);
        boolean native_ = Runtime.version().feature() >= 22 && System.getProperty("os.arch").equals("amd64");
        // on this build's JDK (25) and machine the fast path must really be taken, or this test proves nothing
        assertThat(fd >= 0).isEqualTo(native_);
        long[] st = new long[Posix.STAT_LONGS];
        try {
            for (String name : names) {
                FileMeta jdk = FileMeta.read(dir.resolve(name));
                assertThat(Posix.statAt(fd, name, st)).as(name).isEqualTo(native_);
                assertThat(FileMeta.readAt(fd, dir, name, st)).as(name).isEqualTo(jdk);
            }
        } finally {
            if (fd >= 0) Posix.close(fd);
        }
        assertThat(FileMeta.read(big).size()).isEqualTo(5L << 30);
        assertThat(FileMeta.read(dir.resolve("hard-b")).nlink()).isEqualTo(2);
        assertThat(FileMeta.read(dir.resolve("link")).type()).isEqualTo("symlink");
    }

    @Test
    void anEntryThatIsGoneFailsAsTheJdkFailsNamingIt() throws Exception {
        int fd = Posix.openDirectory(dir);
        try {
            assertThatThrownBy(() -> FileMeta.readAt(fd, dir, "missing", new long[Posix.STAT_LONGS]))
                    .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("missing");
        } finally {
            if (fd >= 0) Posix.close(fd);
        }
    }

    @Test
    void aDirectoryThatCannotBeOpenedFallsBackToTheJdk() throws Exception {
        Files.writeString(dir.resolve("f"), "x");
        assertThat(Posix.openDirectory(dir.resolve("f"))).isEqualTo(-1); // not a directory
        assertThat(Posix.openDirectory(dir.resolve("missing"))).isEqualTo(-1);
        Files.createSymbolicLink(dir.resolve("l"), dir);
        assertThat(Posix.openDirectory(dir.resolve("l"))).isEqualTo(-1); // a symlink is not followed
        assertThat(FileMeta.readAt(-1, dir, "f", new long[Posix.STAT_LONGS])).isEqualTo(FileMeta.read(dir.resolve("f")));
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}
