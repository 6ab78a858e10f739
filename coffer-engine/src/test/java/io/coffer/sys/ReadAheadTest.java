package io.coffer.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link ReadAhead} brings into the page cache, seen by util-linux's {@code fincore} after
 * the file's pages were dropped ({@code POSIX_FADV_DONTNEED} on a clean file). It needs the
 * foreign-function API (Java 22+); on Java 21 {@link ReadAhead} does nothing, by design.
 */
@EnabledForJreRange(min = JRE.JAVA_22)
class ReadAheadTest {
    static final long MIB = 1 << 20;
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void bigCleanFile() throws IOException {
        file = dir.resolve("data");
        byte[] b = new byte[(int) MIB];
        new Random(5).nextBytes(b);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 48; i++) ch.write(ByteBuffer.wrap(b));
            ch.force(true);
        }
    }

    @Test
    void theWindowAfterTheReaderIsInThePageCacheBeforeItReadsIt() throws Exception {
        drop();
        assertThat(resident()).isZero();
        try (ReadAhead r = ReadAhead.of(file, 0, 48 * MIB)) {
            r.before(0, MIB);
            // the kernel caps one WILLNEED at the device's readahead size: asked in pieces, all of it comes
            settlesAt(MIB + ReadAhead.WINDOW);
            r.before(MIB, MIB); // still more than half a window ahead: nothing more asked for
            settlesAt(MIB + ReadAhead.WINDOW);
            r.before(5 * MIB, MIB);
            settlesAt(MIB + 2L * ReadAhead.WINDOW);
            r.before(40 * MIB, MIB); // a jump (a hole skipped): from there, and never past the end
            settlesAt(MIB + 2L * ReadAhead.WINDOW + 8 * MIB);
        }
    }

    @Test
    void shortReadsAndMissingFilesAreLeftAlone() throws Exception {
        drop();
        try (ReadAhead r = ReadAhead.of(file, 0, ReadAhead.MIN_LENGTH - 1)) {
            r.before(0, 4096);
        }
        settlesAt(0);
        try (ReadAhead r = ReadAhead.of(dir.resolve("missing"), 0, 48 * MIB)) {
            r.before(0, MIB);
        }
    }

    private void drop() {
        int fd = Posix.openRead(file);
        assertThat(fd).isNotNegative();
        try {
            assertThat(Posix.fadvise(fd, 0, 0, Posix.POSIX_FADV_DONTNEED)).isTrue();
        } finally {
            Posix.close(fd);
        }
    }

    /**
     * Waits until the file has {@code bytes} in the page cache and they stay so for a while:
     * {@code fincore} counts a page once its read has completed, and reads ahead are asynchronous.
     */
    private void settlesAt(long bytes) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long got = resident();
        while (got < bytes && System.nanoTime() < deadline) {
            Thread.sleep(20);
            got = resident();
        }
        Thread.sleep(200);
        assertThat(resident()).as("bytes of %s in the page cache", file).isEqualTo(bytes);
    }

    private long resident() throws Exception {
        Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("fincore: %s", out).isZero();
        return Long.parseLong(out);
    }
}
