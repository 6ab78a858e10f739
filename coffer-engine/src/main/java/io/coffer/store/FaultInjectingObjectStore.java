package io.coffer.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * A decorator for tests that makes chosen calls fail or return damaged bytes. Rules are consulted
 * in the order they were added; a rule with a count fires that many times and is then spent.
 */
public final class FaultInjectingObjectStore implements ObjectStore {
    public enum Op { PUT, GET, STAT, LIST, DELETE }

    /** What a rule does when it fires. */
    public enum Fault {
        /** Throw a retryable StoreException before the call reaches the store. */
        TRANSIENT,
        /** Throw a non-retryable StoreException before the call reaches the store. */
        PERMANENT,
        /** Perform a put, then throw a retryable error as if the reply was lost. */
        LOST_REPLY,
        /** Perform a get and flip one bit of the returned bytes. */
        FLIP_BIT
    }

    private record Rule(Op op, Predicate<String> keys, Fault fault, int[] remaining) {}

    private final ObjectStore inner;
    private final ConcurrentLinkedQueue<Rule> rules = new ConcurrentLinkedQueue<>();
    private final Random random;

    public FaultInjectingObjectStore(ObjectStore inner, long seed) {
        this.inner = inner;
        this.random = new Random(seed);
    }

    /** Adds a rule that fires {@code times} times for calls of {@code op} on keys matching {@code keys}. */
    public FaultInjectingObjectStore inject(Op op, Predicate<String> keys, Fault fault, int times) {
        rules.add(new Rule(op, keys, fault, new int[] {times}));
        return this;
    }

    public void clear() {
        rules.clear();
    }

    private Fault fire(Op op, String key) {
        for (Rule r : rules) {
            if (r.op() != op || !r.keys().test(key)) continue;
            synchronized (r) {
                if (r.remaining()[0] <= 0) continue;
                r.remaining()[0]--;
            }
            return r.fault();
        }
        return null;
    }

    private void before(Fault f, String key) throws StoreException {
        if (f == Fault.TRANSIENT) throw new StoreException(key, "injected transient fault on " + key, true);
        if (f == Fault.PERMANENT) throw new StoreException(key, "injected permanent fault on " + key, false);
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        Fault f = fire(Op.PUT, key);
        before(f, key);
        inner.put(key, data);
        if (f == Fault.LOST_REPLY) throw new StoreException(key, "injected lost reply on " + key, true);
    }

    @Override
    public byte[] get(String key) throws IOException {
        Fault f = fire(Op.GET, key);
        before(f, key);
        return maybeFlip(f, inner.get(key));
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        Fault f = fire(Op.GET, key);
        before(f, key);
        return maybeFlip(f, inner.get(key, offset, length));
    }

    private byte[] maybeFlip(Fault f, byte[] b) {
        if (f == Fault.FLIP_BIT && b.length > 0) {
            synchronized (random) {
                b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            }
        }
        return b;
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        before(fire(Op.STAT, key), key);
        return inner.stat(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        before(fire(Op.LIST, prefix), prefix);
        return inner.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        before(fire(Op.DELETE, key), key);
        inner.delete(key);
    }

    @Override
    public boolean remote() {
        return inner.remote();
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
