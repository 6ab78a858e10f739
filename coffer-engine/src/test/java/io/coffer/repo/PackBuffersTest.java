package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PackBuffersTest {
    private static final int MIB = 1 << 20;

    @Test
    void aTakerWaitsWhileTheBudgetIsSpentAndGetsTheBufferGivenBack() throws Exception {
        PackBuffers pool = new PackBuffers(8L * MIB);
        pool.join();
        byte[] a = pool.take(4 * MIB), b = pool.take(4 * MIB);
        AtomicReference<byte[]> got = new AtomicReference<>();
        Thread taker = Thread.ofPlatform().start(() -> {
            try {
                got.set(pool.take(4 * MIB));
            } catch (java.io.InterruptedIOException e) {
                // not expected
            }
        });
        Thread.sleep(300);
        assertThat(got.get()).as("taken beyond the budget").isNull();
        pool.giveBack(a);
        taker.join(10_000);
        assertThat(got.get()).as("the waiting taker gets the buffer given back, not a new one").isSameAs(a);
        assertThat(pool.held()).isEqualTo(8L * MIB);
        pool.giveBack(b);
        pool.giveBack(got.get());
        assertThat(pool.inUse()).isZero();
        assertThat(pool.held()).as("at most two are kept").isEqualTo(8L * MIB);
    }

    @Test
    void buffersTooSmallForATakerAreFreedForIt() throws Exception {
        PackBuffers pool = new PackBuffers(8L * MIB);
        pool.join();
        pool.giveBack(pool.take(3 * MIB));
        pool.giveBack(pool.take(3 * MIB)); // the kept one again
        byte[] big = pool.take(7 * MIB);
        assertThat(big.length).isEqualTo(7 * MIB);
        assertThat(pool.held()).as("the kept 3 MiB buffer was freed").isEqualTo(7L * MIB);
        pool.giveBack(big);
    }

    @Test
    void aBufferLargerThanTheWholeBudgetIsStillGivenWhenNothingElseIsHeld() throws Exception {
        PackBuffers pool = new PackBuffers(4L * MIB);
        byte[] huge = pool.take(9 * MIB);
        assertThat(huge.length).isEqualTo(9 * MIB);
        pool.drop(huge);
        assertThat(pool.held()).isZero();
    }

    @Test
    void manyTakersNeverHoldMoreThanTheBudget() throws Exception {
        long budget = 10L * MIB;
        PackBuffers pool = new PackBuffers(budget);
        pool.join();
        AtomicLong inHand = new AtomicLong(), most = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        int size = (1 + ThreadLocalRandom.current().nextInt(3)) * MIB - ThreadLocalRandom.current().nextInt(1000);
                        byte[] b = pool.take(size);
                        most.accumulateAndGet(inHand.addAndGet(roundUp(b.length)), Math::max);
                        Thread.onSpinWait();
                        inHand.addAndGet(-roundUp(b.length));
                        if (i % 7 == 0) pool.drop(b);
                        else pool.giveBack(b);
                    }
                } catch (java.io.InterruptedIOException e) {
                    // not expected
                }
            }));
        }
        for (Thread t : threads) t.join(60_000);
        assertThat(threads).allMatch(t -> !t.isAlive());
        assertThat(most.get()).as("bytes in the takers' hands at once").isLessThanOrEqualTo(budget);
        assertThat(pool.inUse()).isZero();
        assertThat(pool.held()).isLessThanOrEqualTo((long) PackBuffers.SPARES * 3 * MIB);
    }

    @Test
    void keptBuffersAreLetGoOfWhenTheLastPackerCloses() throws Exception {
        PackBuffers pool = new PackBuffers(100L * MIB);
        pool.join();
        pool.join();
        pool.giveBack(pool.take(4 * MIB));
        assertThat(pool.held()).as("kept for the next pack").isEqualTo(4L * MIB);
        pool.leave();
        assertThat(pool.held()).as("one packer is still open").isEqualTo(4L * MIB);
        pool.leave();
        assertThat(pool.held()).as("the last packer closed").isZero();
        byte[] late = pool.take(2 * MIB); // an upload that ends after its packer closed
        pool.giveBack(late);
        assertThat(pool.held()).as("not kept with no packer open").isZero();
    }

    private static long roundUp(int len) {
        return (len + (long) MIB - 1) / MIB * MIB;
    }
}
