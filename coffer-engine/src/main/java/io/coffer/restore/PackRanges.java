package io.coffer.restore;

import io.coffer.repo.BlobId;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.PackInfo;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.sys.AlignedIo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A restore's data path: the blobs of a batch, split by their place in each pack into ranges;
 * each range read with one request, its blobs decrypted, decompressed and verified straight into
 * a write batch, and written with one positional call per run of consecutive blobs of a file,
 * zero pages left as holes. The files themselves (opening, failing, finishing) are the
 * {@link Target}'s.
 */
final class PackRanges {
    private static final int MAX_GAP = 1 << 20;
    /** The most stored bytes read with one request: a remote store is asked for larger ranges. */
    static final int MAX_RANGE_LOCAL = 4 << 20;
    static final int MAX_RANGE_REMOTE = 16 << 20;
    /** The most restored bytes per range (one task). */
    private static final long MAX_RANGE_RAW = 64 << 20;
    private static final int WRITE_BATCH = 4 << 20;
    /**
     * The read and write buffers of all workers together stay within this, whatever the worker
     * count: the heap also holds the plan and the index (many workers get smaller ranges).
     */
    private static final long BUFFER_BUDGET = 80L << 20;


    /** One place where a blob's bytes go. */
    record Use(BlobId id, MasterIndex.Location loc, FileJob file, long offset) {}

    /** The files the ranges write into. */
    interface Target {
        /** Opens a file for positional writes; the first open creates it. */
        FileChannel open(FileJob f) throws IOException;

        /** The file cannot be restored: it is removed at the end and named in the result. */
        void fail(FileJob f, String why);

        /** Every blob of the file is written: its metadata now. */
        void finish(FileJob f);

        /** Writing to a block device: every byte is written, zeros too. */
        boolean device();
    }

    private final Repository repo;
    private final Target target;
    final int maxRange;
    private final int batchSize;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong writeCalls = new AtomicLong();
    /** Bytes written to files not failed: a failed file's bytes are taken back ({@link #takeBack}). */
    private final AtomicLong written = new AtomicLong();
    /**
     * Each worker's read and write buffers, reused from range to range: allocated per range, they
     * were promoted to the old generation by every young collection that caught them in use, and
     * a restore with a large plan on the heap ran one full collection after another.
     */
    private final ThreadLocal<Buffers> buffers;

    PackRanges(Repository repo, int threads, boolean remote, Target target) {
        this.repo = repo;
        this.target = target;
        this.maxRange = (int) Math.max(1 << 20, Math.min(remote ? MAX_RANGE_REMOTE : MAX_RANGE_LOCAL, BUFFER_BUDGET * 4 / 5 / threads));
        this.batchSize = (int) Math.max(256 << 10, Math.min(WRITE_BATCH, BUFFER_BUDGET / 5 / threads));
        this.buffers = ThreadLocal.withInitial(() -> new Buffers(batchSize));
    }

    /** Bytes of file data written so far. */
    long bytes() {
        return bytes.get();
    }

    /** Positional writes made so far (each of at most {@link #WRITE_BATCH} bytes). */
    /** Bytes that reached their files. */
    /** A failed file's bytes, which were written and then given back: not restored. */
    void takeBack(long bytes) {
        written.addAndGet(-bytes);
    }

    long written() {
        return written.get();
    }

    long writeCalls() {
        return writeCalls.get();
    }

    /**
     * Splits a pack's uses (in the planner's order) by their place in the pack into ranges, each
     * read with one request and restored as one task: blobs closer than {@link #MAX_GAP}, at most
     * {@code maxRange} stored and {@link #MAX_RANGE_RAW} restored bytes. Small tasks keep both
     * cores busy to the end even when a backup has only a few (well compressed) packs.
     *
     * <p>Within a range the uses are then put in file order (file, then offset in it): the range
     * is in memory whole, so blobs can be decoded in any order, and in file order consecutive
     * blocks of a file meet in one write batch. In pack order they often do not: the backup's
     * workers add blocks of two regions of one file (or of two files) to the same pack in turns,
     * and a restore of a database's 8 KiB pages in pack order wrote nearly every page with a
     * call of its own.
     */
    static List<List<Use>> ranges(List<Use> uses, int maxRange) {
        // Sorted as primitives, not objects with a comparator: a pg restore has 100,000 uses, and
        // C2 spent 160 ms compiling TimSort's paths for them. The planner adds a pack's uses in
        // file order (file by file, offsets ascending), so a use's index is its place in file
        // order; a key is (offset in the pack, index), and ties go in file order.
        int n = uses.size();
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) keys[i] = (long) uses.get(i).loc().offset() << 32 | i;
        Arrays.sort(keys);
        List<List<Use>> out = new ArrayList<>();
        int[] members = new int[n];
        int i = 0;
        while (i < n) {
            MasterIndex.Location first = uses.get((int) keys[i]).loc();
            int start = first.offset();
            int end = start + first.storedLength();
            long raw = first.rawLength();
            int j = i + 1;
            while (j < n) {
                MasterIndex.Location l = uses.get((int) keys[j]).loc();
                if (l.offset() > end + MAX_GAP || l.offset() + l.storedLength() - start > maxRange || raw + l.rawLength() > MAX_RANGE_RAW) break;
                end = Math.max(end, l.offset() + l.storedLength());
                raw += l.rawLength();
                j++;
            }
            for (int m = i; m < j; m++) members[m - i] = (int) keys[m];
            Arrays.sort(members, 0, j - i);
            List<Use> range = new ArrayList<>(j - i);
            for (int m = 0; m < j - i; m++) range.add(uses.get(members[m]));
            out.add(range);
            i = j;
        }
        return out;
    }

    /** Tells the store that the bytes of this range will be read soon ({@link io.coffer.store.ObjectStore#prefetch}). */
    void prefetch(List<Use> uses) {
        long span = span(uses);
        repo.store().prefetch(uses.get(0).loc().pack().key(), (int) (span >>> 32), (int) span);
    }

    /** Where the range's stored bytes start in its pack (high 32 bits) and how many they are (low 32 bits). */
    private static long span(List<Use> uses) {
        int start = Integer.MAX_VALUE; // the uses are in file order, not pack order
        int end = 0;
        for (Use u : uses) {
            start = Math.min(start, u.loc().offset());
            end = Math.max(end, u.loc().offset() + u.loc().storedLength());
        }
        return (long) start << 32 | (end - start);
    }

    void restoreRange(List<Use> uses) {
        PackInfo pack = uses.get(0).loc().pack();
        String key = pack.key();
        int n = uses.size();
        // a file's channel stays open only while this range still holds blobs for it
        boolean[] lastOfFile = new boolean[n];
        Set<FileJob> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = n - 1; i >= 0; i--) lastOfFile[i] = seen.add(uses.get(i).file());
        RangeWriter w = new RangeWriter(key);
        try {
            long span = span(uses);
            int start = (int) (span >>> 32), end = start + (int) span;
            byte[] range = buffers.get().range(end - start, maxRange);
            try {
                int got = repo.store().read(key, start, range, 0, end - start);
                if (got != end - start) throw new IOException("object " + key + " is truncated at offset " + (start + got));
            } catch (IOException e) {
                for (Use u : uses) target.fail(u.file(), "cannot read pack " + key + ": " + e.getMessage());
                return;
            }
            for (int i = 0; i < n; i++) {
                Use u = uses.get(i);
                if (!u.file().failed) w.put(u, range, start);
                if (lastOfFile[i]) w.close(u.file());
            }
        } finally {
            w.closeAll();
        }
        for (var e : w.written.entrySet()) {
            FileJob f = e.getKey();
            if (f.written(e.getValue()[0]) && !f.failed) target.finish(f);
        }
        // files whose every use here failed still count down, so they are never finished
    }

    private static final class Buffers {
        byte[] read = new byte[0];
        final byte[] batch;
        /** The groups decoded last (a few, since a range in file order may come back to one). */
        final Group[] groups = {new Group(), new Group(), new Group(), new Group()};
        int nextGroup;

        Buffers(int batchSize) {
            batch = new byte[batchSize];
        }

        /** A buffer of at least {@code n} bytes; the first one is {@code usual} bytes, the common size. */
        byte[] range(int n, int usual) {
            if (read.length < n) read = new byte[Math.max(n, usual)];
            return read;
        }
    }

    /** A decoded group of blocks: the pack and offset it was read from, its plaintext or what is wrong with it. */
    private static final class Group {
        String key;
        int offset = -1;
        int length;
        byte[] plain = new byte[0];
        io.coffer.repo.CorruptObjectException error;
    }

    /**
     * The plaintext of the group that {@code loc} lies in, decoded from {@code range} (which
     * starts at pack offset {@code start}) unless this worker decoded it just before; throws
     * {@link RepositoryException} naming the pack and offset when the group is damaged.
     */
    private byte[] group(String key, MasterIndex.Location loc, byte[] range, int start) {
        Buffers b = buffers.get();
        for (Group g : b.groups) {
            if (g.offset == loc.offset() && key.equals(g.key)) {
                if (g.error != null) throw g.error;
                if (g.length != loc.groupLength()) {
                    throw new io.coffer.repo.CorruptObjectException(key + " at offset " + loc.offset(),
                            "the index names a group of " + loc.groupLength() + " bytes here for one block and of " + g.length + " bytes for another (damaged index)");
                }
                return g.plain;
            }
        }
        Group g = b.groups[b.nextGroup];
        b.nextGroup = (b.nextGroup + 1) % b.groups.length;
        if (g.plain.length < loc.groupLength()) g.plain = new byte[Math.max(loc.groupLength(), io.coffer.repo.BlockGroup.BYTES)];
        g.key = key;
        g.offset = loc.offset();
        g.length = loc.groupLength();
        g.error = null;
        try {
            repo.decodeGroup(key + " at offset " + loc.offset(), range, loc.offset() - start, loc.storedLength(), g.plain, loc.groupLength());
        } catch (io.coffer.repo.CorruptObjectException e) {
            g.error = e;
            throw e;
        }
        return g.plain;
    }

    /** The writing side of one range: open channels, the write batch, blobs written per file. */
    private final class RangeWriter {
        final String key;
        final Map<FileJob, FileChannel> open = new IdentityHashMap<>();
        final Map<FileJob, int[]> written = new IdentityHashMap<>();
        final Batch batch = new Batch();
        FileJob lastFile;
        FileChannel lastCh;
        int[] lastCount;
        BlobId lastId;
        int lastAt = -1;

        RangeWriter(String key) {
            this.key = key;
        }

        /** Decodes one blob of the range into the batch (or copies it, when the same blob came just before). */
        void put(Use u, byte[] range, int start) {
            FileJob f = u.file();
            int raw = u.loc().rawLength();
            try {
                if (f != lastFile) {
                    FileChannel ch = open.get(f);
                    if (ch == null) {
                        ch = target.open(f);
                        open.put(f, ch);
                    }
                    lastFile = f;
                    lastCh = ch;
                    lastCount = written.computeIfAbsent(f, k -> new int[1]);
                }
                boolean again = lastAt >= 0 && u.id().equals(lastId);
                int prev = lastAt;
                int at = batch.reserve(f, lastCh, u.offset(), raw);
                if (again) {
                    // reserve() may have flushed, but the bytes stay in the buffer until they are overwritten
                    if (prev != at) System.arraycopy(batch.buf, prev, batch.buf, at, raw);
                } else {
                    try {
                        MasterIndex.Location loc = u.loc();
                        if (loc.grouped()) {
                            byte[] plain = group(key, loc, range, start);
                            repo.verifyBlob(key, loc.offset(), u.id(), plain, loc.groupOffset(), raw);
                            System.arraycopy(plain, loc.groupOffset(), batch.buf, at, raw);
                        } else {
                            repo.decodeBlobInto(key, loc.offset(), u.id(), range, loc.offset() - start, loc.storedLength(), batch.buf, at, raw);
                        }
                    } catch (RepositoryException e) {
                        lastId = null;
                        lastAt = -1;
                        target.fail(f, e.getMessage());
                        return;
                    }
                }
                batch.commit(raw);
                lastId = u.id();
                lastAt = at;
                bytes.addAndGet(raw);
                lastCount[0]++;
            } catch (IOException e) {
                target.fail(f, "cannot write: " + e.getMessage());
            }
        }

        /** The range holds no more blobs of {@code f}: write what is pending for it and close it. */
        void close(FileJob f) {
            if (batch.file == f) batch.flush();
            if (lastFile == f) lastFile = null;
            FileChannel ch = open.remove(f);
            if (ch == null) return;
            try {
                ch.close();
            } catch (IOException e) {
                target.fail(f, "cannot close: " + e.getMessage());
            }
        }

        void closeAll() {
            batch.flush();
            for (FileChannel ch : open.values()) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // reported by the write that failed
                }
            }
        }
    }

    /**
     * Consecutive blobs of one file, decoded straight into one buffer and written with one call:
     * a file of 8 KiB blocks is written a few MiB at a time, not a block at a time.
     */
    private final class Batch {
        byte[] buf = buffers.get().batch;
        FileJob file;
        FileChannel ch;
        long pos;
        int len;

        /**
         * Room for {@code n} bytes that belong at {@code off} of {@code f}, after the pending
         * ones if they lead up to it; returns where in {@link #buf} to put them.
         */
        int reserve(FileJob f, FileChannel channel, long off, int n) {
            if (file != null && (file != f || pos + len != off || len + n > buf.length)) flush();
            if (file == null) {
                if (buf.length < n) buf = new byte[n];
                file = f;
                ch = channel;
                pos = off;
                len = 0;
            }
            return len;
        }

        void commit(int n) {
            len += n;
        }

        /** Writes the pending bytes; a failed write fails their file. The buffer's bytes stay. */
        void flush() {
            FileJob f = file;
            if (f == null) return;
            file = null;
            try {
                if (len > 0) {
                    synchronized (f.writing) {
                        // a failed file's space was given back (RestoreRunner.fail): nothing more goes in
                        if (!f.failed) {
                            writeSparse(ch, buf, len, pos, f.size);
                            written.addAndGet(len);
                            f.bytesWritten += len;
                        }
                    }
                }
            } catch (IOException e) {
                target.fail(f, "cannot write: " + e.getMessage());
            }
        }
    }

    private static final int PAGE = 4096;
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    /**
     * Writes {@code data[0, length)} at {@code pos}, skipping the 4 KiB pages that are all zero,
     * so that they stay holes of the freshly created file. A device target gets every byte.
     */
    private void writeSparse(FileChannel ch, byte[] data, int length, long pos, long fileSize) throws IOException {
        // the page holding the file's last byte is always written: it sets the file's length
        int last = pos + length == fileSize ? Math.max(0, length - PAGE) : Integer.MAX_VALUE;
        int start = 0;
        while (start < length) {
            if (!target.device()) {
                while (start < length && start < last && isZeroPage(data, start, length)) start += Math.min(PAGE, length - start);
                if (start >= length) return;
            }
            int end = start;
            while (end < length && (target.device() || end >= last || !isZeroPage(data, end, length))) end += Math.min(PAGE, length - end);
            // page-aligned, in slices: one call of a few MiB makes the kernel take large folios (AlignedIo)
            writeCalls.addAndGet(AlignedIo.write(ch, pos + start, data, start, end - start));
            start = end;
        }
    }

    private static boolean isZeroPage(byte[] d, int off, int length) {
        int len = Math.min(PAGE, length - off);
        return java.util.Arrays.mismatch(d, off, off + len, ZERO_PAGE, 0, len) < 0;
    }
}
