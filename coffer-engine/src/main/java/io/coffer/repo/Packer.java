package io.coffer.repo;

import io.coffer.store.ObjectExistsException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Collects new blobs into packs (one open pack per blob type), uploads sealed packs in the
 * background and writes index objects for uploaded packs: packs first, then their index; the
 * caller writes the manifest only after {@link #flush()}. At most {@code uploaders} sealed packs
 * are in memory besides the open ones (one per blob type): a pack is sealed only once an upload
 * slot is free, and adders of its type wait until then, which bounds memory however slow the
 * store is. Besides its own slots, a sealed pack takes one of {@link #PROCESS_UPLOADS} shared by
 * every packer of the process, so that concurrent backups in one server share a fixed number of
 * packs in flight instead of each bringing its own. Uploads never wait for anything, so the
 * slots always come back.
 */
public final class Packer {
    private static final int CHECKPOINT_PACKS = 32;
    /**
     * The most blobs in one pack: a pack of well compressed database pages (200 bytes each) would
     * otherwise list 130,000 blocks, each an entry of the open pack and a claim until the pack is
     * indexed: 25 GB of pgbench pages ran out of the default heap that way. This many fill one
     * index object ({@link Repository#INDEX_BLOBS}).
     */
    static final int MAX_PACK_BLOBS = Repository.INDEX_BLOBS;
    /** Sealed packs uploading at once in the whole process, whatever the number of packers. */
    static final int PROCESS_UPLOADS = 3;
    private static final Semaphore PROCESS_SLOTS = new Semaphore(PROCESS_UPLOADS, true);
    /** Room beyond a pack's target: the trailer of a pack of small blobs, and the blob that crosses the target. */
    private static final int PACK_SLACK = (1 << 20) + (64 << 10);

    private final Repository repo;
    private final Map<BlobType, OpenPack> open = new EnumMap<>(BlobType.class);
    private final Map<BlobId, Boolean> pending = new ConcurrentHashMap<>();
    private final ExecutorService uploads;
    private final Semaphore inFlight;
    private final int permits;
    private final List<PackInfo> unindexed = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;
    final AtomicLong newBlobs = new AtomicLong();
    final AtomicLong newRaw = new AtomicLong();
    final AtomicLong newStored = new AtomicLong();

    private static final class OpenPack {
        byte[] buf;
        /** True if {@link #buf} came from {@link PackBuffers#PROCESS} (data packs) and must go back there. */
        boolean pooled;
        int len;
        int version;
        final List<Pack.Entry> entries = new ArrayList<>();
    }

    /** Data chunks of more than 64 KiB are compressed at {@link Codec#harderLevel} (a backup with a parent). */
    private final boolean harder;

    Packer(Repository repo, int uploaders, boolean harder) {
        this.repo = repo;
        this.harder = harder;
        this.permits = uploaders;
        this.inFlight = new Semaphore(permits);
        this.uploads = Executors.newFixedThreadPool(uploaders, r -> {
            Thread t = new Thread(r, "coffer-upload");
            t.setDaemon(true);
            return t;
        });
        PackBuffers.PROCESS.join();
    }

    /** True if the repository has this blob or it is about to be stored by this packer. */
    public boolean known(BlobId id) {
        return repo.index().contains(id) || pending.containsKey(id);
    }

    /**
     * Stores a blob unless the repository already holds it. Compression and encryption run on the
     * calling thread. Returns true if the blob was new.
     */
    public boolean add(BlobType type, BlobId id, byte[] b, int off, int len) throws IOException {
        return add(type, id, b, off, len, null, null);
    }

    /**
     * Like {@link #add(BlobType, BlobId, byte[], int, int)}, stored against the plaintext
     * {@code ref} of blob {@code refId} when that is much smaller. The reference must be stored
     * alone ({@link Repository.Decoded#ref()} null) and indexed: references are one level deep.
     */
    public boolean add(BlobType type, BlobId id, byte[] b, int off, int len, BlobId refId, byte[] ref) throws IOException {
        rethrow();
        if (repo.index().contains(id) || pending.putIfAbsent(id, Boolean.TRUE) != null) return false;
        boolean against = ref != null && repo.config().requiredFeatures().contains(RepoConfig.REFERENCES) && repo.index().contains(refId);
        Codec.Encoded stored = against ? repo.codec().encodeShared(id, b, off, len, refId, ref)
                : repo.codec().encodeShared(id, b, off, len, harder && type == BlobType.DATA);
        newBlobs.incrementAndGet();
        newRaw.addAndGet(len);
        newStored.addAndGet(stored.length());
        append(type, id, stored.buf(), stored.length(), len);
        return true;
    }

    /** True if this repository stores fixed blocks in groups ({@link #group}); else each goes through {@link #add}. */
    public boolean groups() {
        return repo.config().blockGroups();
    }

    /**
     * Claims a blob for this packer: false if the repository or this packer already has it. A
     * claimed blob must then be stored, through {@link #group} and {@link #store}: other writers
     * that meet it from now on leave it to this one.
     */
    public boolean claim(BlobId id) throws IOException {
        rethrow();
        return !repo.index().contains(id) && pending.putIfAbsent(id, Boolean.TRUE) == null;
    }

    /**
     * Like {@link #claim}, but for a blob the index already knows (prune copies live blobs out
     * of packs it drops): false only if this packer has it already.
     */
    public boolean claimCopy(BlobId id) throws IOException {
        rethrow();
        return pending.putIfAbsent(id, Boolean.TRUE) == null;
    }

    /**
     * Adds a claimed block to group {@code g}, storing the group first when the block does not
     * fit; a block larger than a group is stored alone at once.
     */
    public void group(BlockGroup g, BlobId id, byte[] b, int off, int len) throws IOException {
        if (len > BlockGroup.BYTES) {
            storeAlone(BlobType.DATA, id, b, off, len);
            return;
        }
        if (!g.fits(len)) store(g);
        g.add(id, b, off, len);
    }

    /**
     * Stores the blocks of {@code g} (compression and encryption on the calling thread) as one
     * group, or alone when it holds just one, and empties it.
     */
    public void store(BlockGroup g) throws IOException {
        if (g.isEmpty()) return;
        try {
            if (g.count == 1) {
                storeAlone(BlobType.DATA, g.ids[0], g.buf, 0, g.length);
                return;
            }
            rethrow();
            Codec.Encoded stored = repo.codec().encodeGroup(g.buf, 0, g.length, harder);
            newBlobs.addAndGet(g.count);
            newRaw.addAndGet(g.length);
            newStored.addAndGet(stored.length());
            append(BlobType.DATA, null, stored.buf(), 0, stored.length(), g.length, g);
        } finally {
            g.clear();
        }
    }

    /** Stores a claimed blob by itself. */
    private void storeAlone(BlobType type, BlobId id, byte[] b, int off, int len) throws IOException {
        rethrow();
        Codec.Encoded stored = repo.codec().encodeShared(id, b, off, len, harder && type == BlobType.DATA);
        newBlobs.incrementAndGet();
        newRaw.addAndGet(len);
        newStored.addAndGet(stored.length());
        append(type, id, stored.buf(), stored.length(), len);
    }

    /**
     * Copies an already encoded blob (from a pack being repacked) into a new pack without
     * re-encoding. Unlike {@link #add} it does not skip blobs the index already knows.
     */
    public void copy(BlobType type, BlobId id, byte[] stored, int off, int len, int rawLength) throws IOException {
        rethrow();
        if (pending.putIfAbsent(id, Boolean.TRUE) != null) return;
        append(type, id, stored, off, len, rawLength);
    }

    private void append(BlobType type, BlobId id, byte[] stored, int length, int rawLength) throws IOException {
        append(type, id, stored, 0, length, rawLength, null);
    }

    private void append(BlobType type, BlobId id, byte[] stored, int off, int length, int rawLength) throws IOException {
        append(type, id, stored, off, length, rawLength, null);
    }

    /**
     * Copies {@code stored[off, off + length)} into the open pack of its type: blob {@code id},
     * or, with {@code group}, the stored group of {@code rawLength} bytes, one entry per block.
     */
    private void append(BlobType type, BlobId id, byte[] stored, int off, int length, int rawLength, BlockGroup group) throws IOException {
        while (true) {
            OpenPack sealed = null;
            boolean appended = false;
            try {
                synchronized (open) {
                    OpenPack p = open.get(type);
                    int adding = group == null ? 1 : group.count;
                    if (p != null && (p.len + length + Pack.trailerSize(p.entries.size() + adding, p.version) > roomOf(type)
                            || p.entries.size() + adding > MAX_PACK_BLOBS)) {
                        // the blob does not fit: this pack is done a little short of its target,
                        // and goes to its upload before the next one takes a buffer
                        acquireSlot();
                        open.remove(type);
                        sealed = p;
                    } else {
                        if (p == null) p = openPack(type, length, adding);
                        System.arraycopy(stored, off, p.buf, p.len, length);
                        if (group == null) {
                            p.entries.add(new Pack.Entry(type, id, p.len, length, rawLength));
                        } else {
                            for (int i = 0; i < group.count; i++) {
                                p.entries.add(new Pack.Entry(type, group.ids[i], p.len, length, group.lengths[i], rawLength, group.offsets[i]));
                            }
                        }
                        p.len += length;
                        appended = true;
                        // the trailer counts: a pack of well compressed groups lists many blocks (53
                        // bytes each), and the pack, trailer included, stays near its target
                        if (p.len + Pack.trailerSize(p.entries.size(), p.version) >= targetOf(type) || p.entries.size() >= MAX_PACK_BLOBS) {
                            // Wait for an upload slot before letting go of the pack: adders of this type
                            // wait here too, so no further pack fills while the uploads are full.
                            acquireSlot();
                            open.remove(type);
                            sealed = p;
                        }
                    }
                }
            } finally {
                // a sealed pack holds a slot: hand it to its upload, which releases it
                if (sealed != null) upload(type, sealed);
            }
            if (appended) return;
        }
    }

    /** Opens the pack of {@code type} for a first blob of {@code length} stored bytes listing {@code adding} blocks; the caller holds {@link #open}. */
    private OpenPack openPack(BlobType type, int length, int adding) throws InterruptedIOException {
        OpenPack p = new OpenPack();
        int version = type == BlobType.DATA && repo.config().blockGroups() ? Pack.VERSION_GROUPS : Pack.VERSION;
        int needed = Pack.HEADER + length + Pack.trailerSize(adding, version) + PACK_SLACK;
        int size = (int) Math.max(roomOf(type), needed);
        p.pooled = type == BlobType.DATA;
        p.buf = p.pooled ? PackBuffers.PROCESS.take(size) : new byte[size];
        p.len = Pack.HEADER;
        p.version = version;
        System.arraycopy(Pack.header(type, repo.config().encrypted(), p.version), 0, p.buf, 0, Pack.HEADER);
        open.put(type, p);
        return p;
    }

    /**
     * The most a pack holds: the target and a little room for the trailer; a blob that does not
     * fit starts the next pack, unless the pack is empty.
     */
    private long roomOf(BlobType type) {
        return Math.min(Integer.MAX_VALUE - 64, targetOf(type) + PACK_SLACK);
    }

    private long targetOf(BlobType type) {
        return type == BlobType.TREE ? repo.config().treePackSize() : repo.config().packSize();
    }

    /** Takes one of this packer's upload slots and one of the process's; an upload gives both back. */
    private void acquireSlot() throws InterruptedIOException {
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an upload slot");
        }
        try {
            PROCESS_SLOTS.acquire();
        } catch (InterruptedException e) {
            inFlight.release();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an upload slot");
        }
    }

    /** Free process-wide upload slots (for tests: all of them whenever no backup runs). */
    static int processSlotsFree() {
        return PROCESS_SLOTS.availablePermits();
    }

    private void releaseSlot() {
        PROCESS_SLOTS.release();
        inFlight.release();
    }

    /**
     * Uploads a sealed pack in the background; the caller holds an upload slot, which the upload
     * releases, and the pack's buffer goes back to {@link PackBuffers#PROCESS} whatever happens.
     */
    private void upload(BlobType type, OpenPack p) throws IOException {
        Upload u;
        try {
            u = seal(type, p);
        } catch (RuntimeException | Error e) {
            if (p.pooled && p.buf != null) PackBuffers.PROCESS.drop(p.buf);
            releaseSlot(); // the upload never started
            throw e;
        }
        try {
            uploads.execute(u);
        } catch (RuntimeException | Error e) {
            u.never();
            throw e;
        }
    }

    /** The pack with its trailer, named by its hash; a pooled buffer too small for the trailer goes back at once. */
    private Upload seal(BlobType type, OpenPack p) {
        byte[] trailer = Pack.trailer(p.entries, repo.dataKey(), p.version);
        byte[] bytes = p.buf;
        boolean pooled = p.pooled;
        if (bytes.length < p.len + trailer.length) {
            bytes = Arrays.copyOf(p.buf, p.len + trailer.length);
            if (pooled) PackBuffers.PROCESS.giveBack(p.buf);
            pooled = false;
        }
        p.buf = null; // from here on the buffer is the upload's
        try {
            System.arraycopy(trailer, 0, bytes, p.len, trailer.length);
            int length = p.len + trailer.length;
            String id = Hex.of(Crypto.sha256(bytes, 0, length));
            return new Upload(new PackInfo(id, type, length, p.entries), bytes, length, pooled);
        } catch (RuntimeException | Error e) {
            if (pooled) PackBuffers.PROCESS.drop(bytes);
            throw e;
        }
    }

    /** One sealed pack on its way to the store. */
    private final class Upload implements Runnable {
        private final PackInfo info;
        private final byte[] bytes;
        private final int length;
        private final boolean pooled;

        Upload(PackInfo info, byte[] bytes, int length, boolean pooled) {
            this.info = info;
            this.bytes = bytes;
            this.length = length;
            this.pooled = pooled;
        }

        @Override
        public void run() {
            boolean stored = false;
            try {
                try {
                    repo.store().put(info.key(), ByteBuffer.wrap(bytes, 0, length));
                } catch (ObjectExistsException same) {
                    // same content already stored
                }
                stored = true;
                if (info.type() == BlobType.TREE) repo.keep(info.key(), bytes, length);
                repo.index().add(info); // readable now; made durable by the next index object
                List<PackInfo> batch = null;
                synchronized (unindexed) {
                    unindexed.add(repo.index().pack(info.id())); // the index's view: its blobs are not on the heap
                    if (unindexed.size() >= CHECKPOINT_PACKS) {
                        batch = new ArrayList<>(unindexed);
                        unindexed.clear();
                    }
                }
                if (batch != null) repo.writeIndex(batch);
                for (Pack.Entry e : info.blobs()) pending.remove(e.id());
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                // stored: the store keeps no reference to the buffer, and the next pack may have it;
                // a failed put is not trusted to have let go of it, so only its bytes are counted free
                if (pooled) {
                    if (stored) PackBuffers.PROCESS.giveBack(bytes);
                    else PackBuffers.PROCESS.drop(bytes);
                }
                releaseSlot();
            }
        }

        /** The upload will not run: its slot and buffer go back. */
        void never() {
            if (pooled) PackBuffers.PROCESS.drop(bytes);
            releaseSlot();
        }
    }

    private void rethrow() throws IOException {
        Throwable t = failure.get();
        if (t == null) return;
        if (t instanceof IOException io) throw io;
        if (t instanceof RuntimeException re) throw re;
        throw new IOException(t);
    }

    /** Seals the open packs, waits for every upload, and indexes everything stored. */
    public void flush() throws IOException {
        List<Map.Entry<BlobType, OpenPack>> rest;
        synchronized (open) {
            rest = new ArrayList<>(open.entrySet());
            open.clear();
        }
        for (var e : rest) {
            acquireSlot();
            upload(e.getKey(), e.getValue());
        }
        try {
            inFlight.acquire(permits);
            inFlight.release(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for uploads");
        }
        rethrow();
        List<PackInfo> batch;
        synchronized (unindexed) {
            batch = new ArrayList<>(unindexed);
            unindexed.clear();
        }
        if (!batch.isEmpty()) repo.writeIndex(batch);
    }

    /** Stops the uploads and lets go of every buffer (after a failure, the open packs are dropped). */
    public void close() {
        if (closed) return;
        closed = true;
        // an upload queued but never started still holds its slots and its buffer: give them back
        for (Runnable never : uploads.shutdownNow()) ((Upload) never).never();
        Pools.stop(uploads);
        synchronized (open) {
            for (OpenPack p : open.values()) {
                if (p.pooled && p.buf != null) PackBuffers.PROCESS.drop(p.buf);
                p.buf = null;
            }
            open.clear();
        }
        PackBuffers.PROCESS.leave();
        pending.clear();
    }

    public long newBlobs() {
        return newBlobs.get();
    }

    public long newRawBytes() {
        return newRaw.get();
    }

    public long newStoredBytes() {
        return newStored.get();
    }
}
