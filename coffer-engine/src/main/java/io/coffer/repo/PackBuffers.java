package io.coffer.repo;

import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The buffers of data packs, for every packer of the process together: the packs being filled
 * and the packs being uploaded hold at most {@link #BUDGET} bytes between them, however many
 * backups run at once. A packer that opens a pack when the budget is spent waits until an upload
 * gives a buffer back. Buffers given back are kept for the next pack (at most {@link #SPARES}),
 * so that a 33 MiB array is not zeroed for every pack, and let go of when the last packer of the
 * process closes, so that an idle server does not keep them.
 *
 * <p>Waiting cannot deadlock as long as no holder of a buffer waits for another one: a packer
 * holds at most one open data pack, seals it before it asks for the next buffer, and uploads
 * never wait for anything. Tree packs are small and stay out of the budget.
 */
final class PackBuffers {
    /**
     * 160 MiB: four packs of the default 32 MiB target (with their trailer room), one filling and
     * three uploading for one backup, or one filling per backup when more run at once. Half the
     * heap where that is less (the server's 288 MiB heap: 4 packs still; a test's 96 MiB: one), so
     * that the buffers leave room for a restore running beside the backups.
     */
    static final long BUDGET = Math.min(160L << 20, Runtime.getRuntime().maxMemory() / 2);
    static final int SPARES = 2;
    private static final int UNIT = 1 << 20;

    static final PackBuffers PROCESS = new PackBuffers(BUDGET);

    private final int totalUnits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Units neither in use nor kept; guarded by {@link #lock}, as {@link #spares} is. */
    private int freeUnits;
    private final Deque<byte[]> spares = new ArrayDeque<>();
    /** Packers open now; guarded by {@link #lock}. */
    private int packers;

    PackBuffers(long budget) {
        this.totalUnits = (int) Math.max(1, budget / UNIT);
        this.freeUnits = totalUnits;
    }

    /** A buffer of at least {@code size} bytes, waiting while the budget is spent. */
    byte[] take(int size) throws InterruptedIOException {
        int need = unitsOf(size);
        lock.lock();
        try {
            while (true) {
                for (Iterator<byte[]> it = spares.iterator(); it.hasNext(); ) {
                    byte[] b = it.next();
                    if (b.length >= size) {
                        it.remove();
                        return b;
                    }
                    freeUnits += unitsOf(b.length); // too small for this taker: its bytes are worth more free
                    it.remove();
                }
                if (freeUnits >= need) {
                    freeUnits -= need;
                    break;
                }
                changed.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a pack buffer");
        } finally {
            lock.unlock();
        }
        try {
            return new byte[size];
        } catch (OutOfMemoryError e) {
            release(need);
            throw e;
        }
    }

    /** A packer opens: buffers given back are kept for the packs to come. */
    void join() {
        lock.lock();
        try {
            packers++;
        } finally {
            lock.unlock();
        }
    }

    /** A packer closes; when it was the last, the kept buffers are let go of. */
    void leave() {
        lock.lock();
        try {
            if (--packers > 0) return;
            packers = 0;
            for (byte[] b : spares) freeUnits += unitsOf(b.length);
            spares.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a buffer from {@link #take}: kept for the next pack, or its bytes freed. */
    void giveBack(byte[] b) {
        lock.lock();
        try {
            if (packers > 0 && spares.size() < SPARES) spares.push(b);
            else freeUnits += unitsOf(b.length);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back the bytes of a buffer from {@link #take} that must not be used again. */
    void drop(byte[] b) {
        release(unitsOf(b.length));
    }

    private void release(int units) {
        lock.lock();
        try {
            freeUnits += units;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private int unitsOf(int size) {
        return Math.min(totalUnits, (int) ((size + (long) UNIT - 1) / UNIT));
    }

    /** Bytes of buffers in use or kept (for tests). */
    long held() {
        lock.lock();
        try {
            return (long) (totalUnits - freeUnits) * UNIT;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of buffers in use: held, less the ones kept for the next pack (for tests). */
    long inUse() {
        lock.lock();
        try {
            long kept = 0;
            for (byte[] b : spares) kept += unitsOf(b.length);
            return (totalUnits - freeUnits - kept) * UNIT;
        } finally {
            lock.unlock();
        }
    }
}
