package io.coffer.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class AlignedIoTest {
    private static final int SLICE = AlignedIo.SLICE;

    /** Any span of any array, at any file offset, written then read back, across slice boundaries and past the end. */
    @Property(tries = 60)
    void roundTrip(@ForAll @IntRange(min = 0, max = 3 * SLICE + 17) int length, @ForAll @IntRange(min = 0, max = 4099) int arrayOffset,
            @ForAll @IntRange(min = 0, max = 2 * SLICE + 1) int filePos, @ForAll @IntRange(min = 0, max = 2 * SLICE) int readMore) throws Exception {
        Path file = Files.createTempFile("aligned-io", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            byte[] src = new byte[arrayOffset + length + 5];
            new Random(length * 31L + filePos).nextBytes(src);
            int calls = AlignedIo.write(ch, filePos, src, arrayOffset, length);
            assertThat(calls).isGreaterThanOrEqualTo((length + SLICE - 1) / SLICE);
            assertThat(ch.size()).isEqualTo(length == 0 ? 0 : filePos + length);

            byte[] dst = new byte[arrayOffset + length + readMore + 3];
            int n = AlignedIo.read(ch, filePos, dst, arrayOffset, length + readMore);
            assertThat(n).isEqualTo(length); // short only at the end of the file
            assertThat(Arrays.copyOfRange(dst, arrayOffset, arrayOffset + length)).isEqualTo(Arrays.copyOfRange(src, arrayOffset, arrayOffset + length));
            // nothing outside the span was touched
            assertThat(Arrays.mismatch(dst, 0, arrayOffset, new byte[arrayOffset], 0, arrayOffset)).isEqualTo(-1);
            assertThat(Arrays.mismatch(dst, arrayOffset + length, dst.length, new byte[dst.length], arrayOffset + length, dst.length)).isEqualTo(-1);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A heap buffer's remaining bytes are appended at the channel's position; its position ends at its limit. */
    @Property(tries = 20)
    void sequentialWriteOfAHeapBuffer(@ForAll @IntRange(min = 0, max = 3 * SLICE) int length, @ForAll @IntRange(min = 0, max = 100) int skip) throws Exception {
        Path file = Files.createTempFile("aligned-io", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] src = new byte[skip + length];
            new Random(length).nextBytes(src);
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer b = ByteBuffer.wrap(src).position(skip);
            AlignedIo.write(ch, b);
            assertThat(b.hasRemaining()).isFalse();
            byte[] back = Files.readAllBytes(file);
            assertThat(Arrays.copyOfRange(back, 3, back.length)).isEqualTo(Arrays.copyOfRange(src, skip, src.length));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
