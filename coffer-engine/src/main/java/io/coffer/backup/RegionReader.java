package io.coffer.backup;

import io.coffer.chunk.FastCdc;
import io.coffer.repo.BlobId;
import io.coffer.repo.BlobType;
import io.coffer.repo.BlockGroup;
import io.coffer.repo.Node;
import io.coffer.repo.Packer;
import io.coffer.repo.Repository;
import io.coffer.sys.AlignedIo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the regions of one backup's files and stores their chunks: fixed blocks, each compared
 * with the parent's block at the same offset, or content-defined chunks; zero runs and holes
 * become references, never blobs. One per run; each worker thread has its own read buffer and
 * block groups, so memory grows with the threads, not with the data.
 */
final class RegionReader {
    /**
     * After this many zero bytes in a row, a region asks the file system where the file's data
     * lies (DataExtents) and reads no more of its holes. Dense files never pay for the question.
     */
    static final long HOLES_AFTER = 1L << 20;
    private static final int FIXED_BUFFER = 4 << 20;

    private final Repository repo;
    private final Packer packer;
    private final FastCdc cdc;
    private final BackupProgress progress;
    private final Consumer<String> warn;
    private final byte[] zeros;
    private final ThreadLocal<byte[]> buffers;
    /** Each worker's group of new fixed blocks, stored before its region returns. */
    private final ThreadLocal<BlockGroup> groups = ThreadLocal.withInitial(BlockGroup::new);
    /**
     * Content-defined chunks shorter than this (small files, and the last chunk of a file) are
     * stored in groups too: 200,000 files of 0.5-4 KiB compressed one by one keep about 1.6 times
     * what they keep compressed together, and each costs a zstd and an AES-GCM call of its own.
     */
    static final int SMALL_CHUNK = 128 << 10;
    /**
     * Each worker's group of small chunks, filled across the files it reads and stored when full
     * or, for what is left, once the whole tree is walked (before the packer's flush, so before
     * the manifest): a claimed chunk is always stored, whichever file's task met it first.
     */
    private final java.util.Queue<BlockGroup> smallChunkGroups = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final ThreadLocal<BlockGroup> smallChunks = ThreadLocal.withInitial(() -> {
        BlockGroup g = new BlockGroup();
        smallChunkGroups.add(g);
        return g;
    });

    RegionReader(Repository repo, Packer packer, BackupProgress progress, Consumer<String> warn) {
        this.repo = repo;
        this.packer = packer;
        this.progress = progress;
        this.warn = warn;
        var c = repo.config().cdc();
        this.cdc = new FastCdc(c.min(), c.avg(), c.max(), repo.gearSeed());
        int maxBlock = Math.max(c.max(), Math.max(repo.config().fixed().imageBlock(), repo.config().fixed().databaseBlock()));
        this.zeros = new byte[maxBlock];
        int bufSize = Math.max(2 * c.max(), FIXED_BUFFER);
        this.buffers = ThreadLocal.withInitial(() -> new byte[bufSize]);
    }

    /** Stores what the workers' groups of small chunks hold: call once every file is done, before the packer's flush. */
    void storeSmallChunks() throws IOException {
        for (BlockGroup g : smallChunkGroups) packer.store(g);
    }

    /**
     * The parent's chunk references for blocks from {@code firstBlock} on, and, for a chunk list,
     * the list a new one may be stored against ({@code refId} and its plaintext; null when none).
     */
    record ParentBlocks(List<String> refs, long firstBlock, BlobId refId, byte[] ref) {}

    /** Chunks of [from, from + bytes); {@code holes}, when set, maps the rest of the region. */
    record Chunks(List<String> refs, long bytes, DataExtents.Map holes) {
        Chunks(List<String> refs, long bytes) {
            this(refs, bytes, null);
        }
    }

    /**
     * A file's holes, asked for once, by the first of its regions to read a megabyte of zeros in
     * a row; the other regions then skip them too.
     */
    static final class FileHoles {
        private final Path path;
        private boolean asked;
        private volatile DataExtents.Map map; // null: not asked yet, no holes, or unknown
        private Boolean dense; // once asked: true without holes, false with, null when unknown

        FileHoles(Path path) {
            this.path = path;
        }

        /** The map of [from, to) when the file has holes there, else null. */
        DataExtents.Map known(long from, long to) {
            DataExtents.Map m = map;
            if (m == null) return null;
            DataExtents.Map c = m.clip(from, to);
            return c.dense(from) ? null : c;
        }

        DataExtents.Map ask(long from, long to) {
            askOnce();
            return known(from, to);
        }

        /**
         * True when the file has no holes: its zero runs are allocated zeros, which a restore
         * allocates again. Null when it has holes or the file system cannot tell.
         */
        Boolean allocated() {
            askOnce();
            synchronized (this) {
                return Boolean.TRUE.equals(dense) ? Boolean.TRUE : null;
            }
        }

        /**
         * The data extents of a file with holes, start and end pairs, when it was asked and has
         * at most {@link Node#MAX_EXTENTS} of them; else null.
         */
        List<Long> extents() {
            askOnce();
            DataExtents.Map m = map;
            if (m == null || m.data().size() > Node.MAX_EXTENTS) return null;
            List<Long> out = new ArrayList<>(2 * m.data().size());
            for (long[] d : m.data()) {
                out.add(d[0]);
                out.add(d[1]);
            }
            return out;
        }

        private synchronized void askOnce() {
            if (asked) return;
            asked = true;
            DataExtents.Map m = DataExtents.of(path, 0, -1);
            if (m == null) return;
            dense = m.dense(0);
            if (!dense) map = m;
        }
    }


    /**
     * Reads [from, to) of a file (to = -1: until EOF) and stores its chunks. Returns null when the
     * file cannot be read (a warning is recorded); repository failures propagate.
     */
    Chunks read(Path p, long from, long to, int block, ParentBlocks parentRefs, FileHoles holes) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ);
        } catch (IOException e) {
            warn.accept("cannot open " + p + ": " + BackupRunner.reason(e) + " (skipped)");
            return null;
        }
        try (ch) {
            if (block > 0) return fixedBlocks(ch, p, from, to, block, parentRefs, holes);
            DataExtents.Map known = holes.known(from, to);
            if (known != null) return contentDefinedAround(ch, p, from, known);
            Chunks c = contentDefined(ch, p, from, to, holes);
            if (c.holes() == null) return c;
            // the rest of the region has holes: its data extents are cut apart, its holes not read
            Chunks rest = contentDefinedAround(ch, p, from + c.bytes(), c.holes());
            List<String> refs = new ArrayList<>(c.refs());
            refs.addAll(rest.refs());
            return new Chunks(refs, c.bytes() + rest.bytes());
        } catch (SourceReadException e) {
            warn.accept("cannot read " + p + ": " + BackupRunner.reason(e.io) + " (skipped)");
            return null;
        }
    }

    private static final class SourceReadException extends Exception {
        final IOException io;

        SourceReadException(IOException io) {
            super(io);
            this.io = io;
        }
    }

    private int read(FileChannel ch, byte[] buf, int off, int len, long pos) throws SourceReadException {
        int n;
        try {
            n = AlignedIo.read(ch, pos, buf, off, len);
        } catch (IOException e) {
            throw new SourceReadException(e);
        }
        progress.bytesRead.addAndGet(n);
        return n;
    }

    /**
     * Content-defined chunks of each data extent of a sparse region, with its holes as zero runs
     * that are never read: chunk boundaries fall at the edges of the holes.
     */
    private Chunks contentDefinedAround(FileChannel ch, Path p, long from, DataExtents.Map map) throws IOException, SourceReadException {
        List<String> refs = new ArrayList<>();
        long pos = from;
        for (long[] e : map.data()) {
            if (e[0] > pos) holes(refs, e[0] - pos, 1);
            Chunks c = contentDefined(ch, p, e[0], e[1], null);
            refs.addAll(c.refs());
            pos = e[0] + c.bytes();
            if (pos < e[1]) return new Chunks(refs, pos - from); // the file shrank under us
        }
        if (pos < map.end()) {
            holes(refs, map.end() - pos, 1);
            pos = map.end();
        }
        return new Chunks(refs, pos - from);
    }

    /**
     * Fixed blocks of [from, to). In a repository with groups the region's new blocks are stored
     * in groups of up to 1 MiB, in the order read (consecutive blocks of a full backup, the
     * changed blocks of an incremental); a group is stored before the region returns, also when
     * reading the file fails: other files may already name a block it claimed.
     */
    private Chunks fixedBlocks(FileChannel ch, Path p, long from, long to, int block, ParentBlocks parentRefs, FileHoles holes) throws IOException, SourceReadException {
        if (!packer.groups()) return fixedBlocks(ch, p, from, to, block, parentRefs, holes, null);
        BlockGroup g = groups.get();
        Chunks c;
        try {
            c = fixedBlocks(ch, p, from, to, block, parentRefs, holes, g);
        } catch (SourceReadException e) {
            packer.store(g);
            throw e;
        }
        packer.store(g);
        return c;
    }

    private Chunks fixedBlocks(FileChannel ch, Path p, long from, long to, int block, ParentBlocks parentRefs, FileHoles holes, BlockGroup group)
            throws IOException, SourceReadException {
        byte[] buf = buffers.get();
        int window = buf.length - buf.length % block;
        List<String> refs = new ArrayList<>();
        List<String> parentBlocks = parentRefs == null ? null : expandZeros(parentRefs.refs(), block);
        long firstParentBlock = parentRefs == null ? 0 : parentRefs.firstBlock();
        // A file system that knows its holes spares the reading of them: blocks wholly inside a
        // hole are zero runs without a read (DataExtents: what lies in a hole reads as zeros).
        DataExtents.Map map = holes.known(from, to);
        if (map != null) to = map.end();
        boolean asked = map != null;
        long zerosInARow = 0;
        int next = 0; // the first extent of the map that may still lie ahead
        long pos = from;
        while (to < 0 || pos < to) {
            int want = (int) (to < 0 ? window : Math.min(window, to - pos));
            // so as to ask before reading much of a hole; in whole blocks, or every block after the
            // first such read would be cut at the wrong place (12 KiB blocks do not divide 1 MiB,
            // 2 MiB ones are larger)
            if (!asked) want = (int) Math.min(want, Math.max(block, HOLES_AFTER / block * block));
            if (map != null) {
                while (next < map.data().size() && map.data().get(next)[1] <= pos) next++;
                long dataAt = next < map.data().size() ? map.data().get(next)[0] : to;
                long skip = Math.min(to, dataAt / block * block) - pos; // whole blocks before the data
                if (skip > 0) {
                    holes(refs, skip, block);
                    pos += skip;
                    continue;
                }
                if (next < map.data().size()) { // read up to the end of this extent's last block
                    long dataEnd = map.data().get(next)[1];
                    long blockEnd = Math.min(to, (dataEnd + block - 1) / block * block);
                    want = (int) Math.min(want, blockEnd - pos);
                }
            }
            int n = read(ch, buf, 0, want, pos);
            for (int o = 0; o < n; o += block) {
                int len = Math.min(block, n - o);
                long idx = (pos + o) / block - firstParentBlock;
                if (Arrays.mismatch(buf, o, o + len, zeros, 0, len) < 0) {
                    refs.add("z" + len);
                    progress.zeroBytes.addAndGet(len);
                    zerosInARow += len;
                    continue;
                }
                zerosInARow = 0;
                BlobId id = repo.hash(buf, o, len);
                String hex = id.hex();
                refs.add(hex);
                if (parentBlocks != null && idx >= 0 && idx < parentBlocks.size() && hex.equals(parentBlocks.get((int) idx))) continue;
                if (group == null) packer.add(BlobType.DATA, id, buf, o, len);
                else if (packer.claim(id)) packer.group(group, id, buf, o, len);
            }
            pos += n;
            progress.bytesDone.addAndGet(n);
            if (n < want) break;
            if (!asked && zerosInARow >= HOLES_AFTER) {
                asked = true;
                map = holes.ask(pos, to);
                if (map != null) to = map.end();
            }
        }
        return new Chunks(refs, pos - from);
    }

    /** Zero runs for {@code len} bytes of holes, which count as done unread: whole blocks, each run well under 2 GiB. */
    private void holes(List<String> refs, long len, int block) {
        long most = (Integer.MAX_VALUE / 2) / block * (long) block;
        for (long left = len; left > 0; ) {
            long run = Math.min(left, most);
            refs.add("z" + run);
            left -= run;
        }
        progress.zeroBytes.addAndGet(len);
        progress.bytesDone.addAndGet(len);
    }

    /** The parent's chunk list with merged zero runs split back into one entry per block. */
    private static List<String> expandZeros(List<String> refs, int block) {
        List<String> out = new ArrayList<>(refs.size());
        for (String r : refs) {
            if (!Node.isZero(r)) {
                out.add(r);
                continue;
            }
            long len = Node.zeroLength(r);
            for (long i = 0; i < len; i += block) out.add("z");
        }
        return out;
    }

    /**
     * Content-defined chunks of [from, to). With {@code holes}, a megabyte of zeros in a row
     * makes it ask for the rest of the region's data extents; when they show a hole it stops at
     * that chunk boundary and returns them with its chunks ({@link Chunks#holes}).
     */
    private Chunks contentDefined(FileChannel ch, Path p, long from, long to, FileHoles holes) throws IOException, SourceReadException {
        byte[] buf = buffers.get();
        List<String> refs = new ArrayList<>();
        long zerosInARow = 0;
        long filePos = from; // file offset of buf[0]
        int have = 0;
        int start = 0;
        boolean eof = false;
        while (true) {
            int c = cdc.cut(buf, start, have - start, eof);
            if (c < 0 || (c == 0 && !eof)) {
                // compact and refill
                System.arraycopy(buf, start, buf, 0, have - start);
                filePos += start;
                have -= start;
                start = 0;
                long readPos = filePos + have;
                int want = buf.length - have;
                if (to >= 0) want = (int) Math.min(want, to - readPos);
                int n = want <= 0 ? 0 : read(ch, buf, have, want, readPos);
                have += n;
                if (n < want || want <= 0) eof = true;
                progress.bytesDone.addAndGet(n);
                continue;
            }
            if (c == 0) break;
            if (Arrays.mismatch(buf, start, start + c, zeros, 0, c) < 0) {
                refs.add("z" + c);
                progress.zeroBytes.addAndGet(c);
                zerosInARow += c;
                if (holes != null && zerosInARow >= HOLES_AFTER) {
                    long cut = filePos + start + c;
                    DataExtents.Map map = holes.ask(cut, to);
                    holes = null;
                    if (map != null) {
                        // bytes read beyond the cut were counted as done: the rest counts them again
                        progress.bytesDone.addAndGet(-(have - start - c));
                        return new Chunks(refs, cut - from, map);
                    }
                }
            } else {
                zerosInARow = 0;
                BlobId id = repo.hash(buf, start, c);
                refs.add(id.hex());
                if (c >= SMALL_CHUNK || !packer.groups()) packer.add(BlobType.DATA, id, buf, start, c);
                else if (packer.claim(id)) packer.group(smallChunks.get(), id, buf, start, c);
            }
            start += c;
        }
        return new Chunks(refs, filePos + have - from);
    }



}
