package io.coffer.repo;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Fixed-size records, appended and never changed, in a deleted temporary file read and written
 * with positional calls: the records live in the page cache, which the kernel writes back and
 * drops, and neither in the heap nor in the process's resident memory. Where no temporary file
 * can be made, they are kept in heap buffers instead ({@link MappedRecords} without a file).
 * Appends must not run concurrently with each other; reads may run with anything.
 */
final class EntryFile implements Closeable {
    private final int recordBytes;
    private final FileChannel file;
    private final MappedRecords heap;
    private final ThreadLocal<ByteBuffer> one;

    EntryFile(int recordBytes) {
        this.recordBytes = recordBytes;
        this.file = MappedRecords.tempFile("coffer-entries-");
        this.heap = file == null ? new MappedRecords(recordBytes, 16, true) : null;
        this.one = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(recordBytes));
    }

    /** Writes {@code records} (whole records, position to limit) as records {@code first}, {@code first + 1}, … */
    void append(long first, ByteBuffer records) {
        int n = records.remaining() / recordBytes;
        if (file == null) {
            heap.ensure(first + n);
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < recordBytes; b += Long.BYTES) heap.putLong(first + i, b, records.getLong(records.position() + i * recordBytes + b));
            }
            return;
        }
        try {
            long pos = first * recordBytes;
            while (records.hasRemaining()) pos += file.write(records, pos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the index's temporary file", e);
        }
    }

    /** Record {@code n}, in this thread's buffer (valid until its next read). */
    ByteBuffer read(long n) {
        ByteBuffer b = one.get();
        b.clear();
        if (file == null) {
            for (int o = 0; o < recordBytes; o += Long.BYTES) b.putLong(o, heap.getLong(n, o));
            return b;
        }
        readFully(b, n * recordBytes);
        return b;
    }

    /** What this thread's last {@link #read(long)} gave. */
    ByteBuffer last() {
        return one.get();
    }

    /** Records {@code first} to {@code first + count - 1} into {@code into} (from 0; it must hold them). */
    void read(long first, int count, ByteBuffer into) {
        into.clear().limit(count * recordBytes);
        if (file == null) {
            for (int i = 0; i < count; i++) {
                for (int o = 0; o < recordBytes; o += Long.BYTES) into.putLong(i * recordBytes + o, heap.getLong(first + i, o));
            }
            return;
        }
        readFully(into, first * recordBytes);
    }

    private void readFully(ByteBuffer b, long pos) {
        try {
            while (b.hasRemaining()) {
                int r = file.read(b, pos + b.position());
                if (r < 0) throw new IOException("the index's temporary file ends early");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the index's temporary file", e);
        }
        b.flip();
    }

    @Override
    public void close() {
        if (file == null) return;
        try {
            file.close();
        } catch (IOException ignored) {
            // a deleted temporary file: nothing to keep
        }
    }
}
