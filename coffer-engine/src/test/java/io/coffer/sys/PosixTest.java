package io.coffer.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs on the build's JDK (25 here and in CI): the calls must be there and do what they say. */
class PosixTest {
    @TempDir
    Path dir;

    @Test
    void theForeignFunctionApiIsThereOnThisRuntime() {
        assertThat(Posix.available()).isEqualTo(Runtime.version().feature() >= 22);
    }

    @Test
    void utimensSetsNanosecondTimesOnFilesFifosAndTheSymlinkItself() throws Exception {
        if (!Posix.available()) return;
        Path f = Files.writeString(dir.resolve("f"), "x");
        Path fifo = dir.resolve("p");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path link = Files.createSymbolicLink(dir.resolve("l"), f);
        long t = 1_600_000_000_123_456_789L;
        for (Path p : new Path[] {f, fifo, link}) {
            assertThat(Posix.utimens(p, t + 1000, t)).as(p.toString()).isTrue(); // a fifo must not block
            FileTime m = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            assertThat(m.to(TimeUnit.NANOSECONDS)).as(p.toString()).isEqualTo(t);
        }
        // the link's own time was set, not its target's (set above to t as well, so change it)
        assertThat(Posix.utimens(link, t, t + 5)).isTrue();
        assertThat(Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS)).isEqualTo(t);
        // before the epoch, and a name that is not ASCII
        Path odd = Files.writeString(dir.resolve("fichier-été"), "y");
        assertThat(Posix.utimens(odd, 0, -1_500_000_000L)).isTrue();
        assertThat(Files.getLastModifiedTime(odd).to(TimeUnit.NANOSECONDS)).isEqualTo(-1_500_000_000L);
    }

    @Test
    void aMissingFileAnswersCannotRatherThanThrowing() {
        if (!Posix.available()) return;
        assertThat(Posix.utimens(dir.resolve("missing"), 0, 0)).isFalse();
        assertThat(Posix.openRead(dir.resolve("missing"))).isEqualTo(-1);
    }

    @Test
    void seekDataAndHoleFindTheDataOfASparseFile() throws Exception {
        if (!Posix.available()) return;
        Path f = dir.resolve("sparse");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(64L << 20);
            raf.seek(32L << 20);
            raf.write(new byte[4096]);
            raf.write(1);
        }
        int fd = Posix.openRead(f);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        try {
            assertThat(Posix.lseek(fd, 0, Posix.SEEK_DATA)).isEqualTo(32L << 20);
            assertThat(Posix.lseek(fd, 32L << 20, Posix.SEEK_HOLE)).isBetween((32L << 20) + 4097, (33L << 20));
            assertThat(Posix.lseek(fd, 0, Posix.SEEK_END)).isEqualTo(64L << 20);
        } finally {
            Posix.close(fd);
        }
    }
}
