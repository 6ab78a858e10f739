package io.coffer.repo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A growable array of fixed-size records outside the Java heap: segments of a temporary file,
 * mapped into memory, the file deleted at once (its space goes when the process does). Its pages
 * are the kernel's to write back and drop under memory pressure, so a table of millions of
 * records costs neither heap nor memory that cannot be reclaimed. Where no temporary file can be
 * made (a read-only or full {@code java.io.tmpdir}), the segments are heap buffers instead.
 *
 * <p>Not thread-safe: {@link MasterIndex} guards it. New records read as zeros.
 */
final class MappedRecords implements Closeable {
    /** Where the files go: {@code -Dcoffer.index.dir}, else {@code java.io.tmpdir}. */
    static final String DIR_PROPERTY = "coffer.index.dir";

    private final int recordBytes;
    private final int segmentBits;
    private final long mask;
    private final FileChannel file;
    /** Owns the mapped segments, so that {@link #close} unmaps them; null on Java 21 (the collector does it). */
    private final MappingArena arena;
    private ByteBuffer[] segments = new ByteBuffer[0];

    MappedRecords(int recordBytes, int segmentBits) {
        this(recordBytes, segmentBits, false);
    }

    /** {@code heapOnly}: segments are heap buffers, no file is made. */
    MappedRecords(int recordBytes, int segmentBits, boolean heapOnly) {
        this.recordBytes = recordBytes;
        this.segmentBits = segmentBits;
        this.mask = (1L << segmentBits) - 1;
        this.file = heapOnly ? null : tempFile("coffer-index-");
        this.arena = file == null ? null : MappingArena.open(this);
    }

    /**
     * A new temporary file in {@link #DIR_PROPERTY}'s directory, open for reading and writing and
     * deleted already; null when none can be made.
     */
    static FileChannel tempFile(String prefix) {
        try {
            Path dir = Path.of(System.getProperty(DIR_PROPERTY, System.getProperty("java.io.tmpdir")));
            Path f = Files.createTempFile(dir, prefix, ".tmp");
            try {
                return FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException | RuntimeException e) {
            return null; // on the heap then
        }
    }

    /** Makes room for at least {@code records} records. */
    void ensure(long records) {
        int want = (int) ((records + mask) >>> segmentBits);
        if (want <= segments.length) return;
        ByteBuffer[] grown = Arrays.copyOf(segments, want);
        long bytes = (long) recordBytes << segmentBits;
        for (int s = segments.length; s < want; s++) grown[s] = segment(s, bytes);
        segments = grown;
    }

    private ByteBuffer segment(int s, long bytes) {
        if (file != null) {
            try {
                // extends the file
                return arena != null ? arena.map(file, s * bytes, bytes) : file.map(FileChannel.MapMode.READ_WRITE, s * bytes, bytes);
            } catch (IOException | RuntimeException e) {
                // out of address space or disk: this segment on the heap
            }
        }
        return ByteBuffer.allocate((int) bytes);
    }

    private ByteBuffer seg(long record) {
        return segments[(int) (record >>> segmentBits)];
    }

    private int at(long record, int offset) {
        return (int) ((record & mask) * recordBytes) + offset;
    }

    long getLong(long record, int offset) {
        return seg(record).getLong(at(record, offset));
    }

    void putLong(long record, int offset, long v) {
        seg(record).putLong(at(record, offset), v);
    }

    int getInt(long record, int offset) {
        return seg(record).getInt(at(record, offset));
    }

    void putInt(long record, int offset, int v) {
        seg(record).putInt(at(record, offset), v);
    }

    /**
     * Drops the segments and closes the file. The mappings go now where an arena owns them (a
     * reader racing the close gets an {@link IllegalStateException}), else with the buffers.
     */
    @Override
    public void close() {
        segments = new ByteBuffer[0];
        if (file != null) {
            try {
                file.close();
            } catch (IOException ignored) {
                // a deleted temporary file: nothing to keep
            }
        }
        if (arena != null) arena.close();
    }
}
