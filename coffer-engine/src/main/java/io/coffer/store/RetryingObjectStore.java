package io.coffer.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retries calls that failed with a retryable {@link StoreException}, with exponential backoff and
 * full jitter. Non-retryable failures pass through at once. A put whose earlier attempt may have
 * landed before the failure is accepted if the retry finds an object of the same size under the key
 * (all repository objects are content-addressed or unique).
 */
public final class RetryingObjectStore implements ObjectStore {
    /** How long to sleep; tests replace it to run without waiting. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public record Policy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
        public Policy {
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
        }

        public static Policy defaults() {
            return new Policy(6, Duration.ofMillis(100), Duration.ofSeconds(10));
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private final ObjectStore inner;
    private final Policy policy;
    private final Sleeper sleeper;

    public RetryingObjectStore(ObjectStore inner, Policy policy, Sleeper sleeper) {
        this.inner = inner;
        this.policy = policy;
        this.sleeper = sleeper;
    }

    private <T> T retry(Call<T> call) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (StoreException e) {
                if (!e.retryable() || attempt >= policy.maxAttempts()) throw e;
                pause(attempt);
            }
        }
    }

    private void pause(int attempt) throws InterruptedIOException {
        long cap = Math.min(policy.maxDelay().toMillis(), policy.baseDelay().toMillis() << Math.min(attempt - 1, 20));
        long ms = ThreadLocalRandom.current().nextLong(cap + 1);
        try {
            sleeper.sleep(Duration.ofMillis(ms));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        boolean[] failedBefore = {false};
        retry(() -> {
            try {
                inner.put(key, data.duplicate());
                return null;
            } catch (ObjectExistsException e) {
                if (failedBefore[0] && inner.stat(key).size() == data.remaining()) return null;
                throw e;
            } catch (StoreException e) {
                failedBefore[0] = true;
                throw e;
            }
        });
    }

    @Override
    public byte[] get(String key) throws IOException {
        return retry(() -> inner.get(key));
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        return retry(() -> inner.get(key, offset, length));
    }

    @Override
    public int read(String key, long offset, byte[] dst, int dstOff, int length) throws IOException {
        return retry(() -> inner.read(key, offset, dst, dstOff, length));
    }

    @Override
    public void prefetch(String key, long offset, long length) {
        inner.prefetch(key, offset, length);
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        return retry(() -> inner.stat(key));
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        return retry(() -> inner.list(prefix));
    }

    @Override
    public void delete(String key) throws IOException {
        boolean[] failedBefore = {false};
        retry(() -> {
            try {
                inner.delete(key);
            } catch (ObjectNotFoundException e) {
                if (!failedBefore[0]) throw e; // an earlier attempt may have deleted it
            } catch (StoreException e) {
                failedBefore[0] = true;
                throw e;
            }
            return null;
        });
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
