package io.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ObjectStore} must show. Each store's test extends this class and
 * supplies a fresh, empty store. A store whose server is unavailable must fail here, not skip.
 */
public abstract class AbstractObjectStoreTest {
    protected ObjectStore store;

    /** A new, empty store for one test. */
    protected abstract ObjectStore newStore() throws Exception;

    @BeforeEach
    void setUpStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        if (store != null) store.close();
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void putThenGetReturnsTheSameBytes() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(data);
        store.put("data/obj", ByteBuffer.wrap(data));
        assertThat(store.get("data/obj")).isEqualTo(data);
        assertThat(store.stat("data/obj").size()).isEqualTo(data.length);
    }

    @Test
    void prefetchIsOnlyAHintThatNeverFails() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        store.put("data/prefetched", ByteBuffer.wrap(data));
        store.prefetch("data/prefetched", 4096, 512 * 1024);
        store.prefetch("data/prefetched", 2 << 20, 1 << 20); // beyond its end
        store.prefetch("data/missing", 0, 4096);
        store.prefetch("../outside", 0, 4096);
        assertThat(store.get("data/prefetched", 4096, 8192)).isEqualTo(java.util.Arrays.copyOfRange(data, 4096, 4096 + 8192));
    }

    @Test
    void emptyObjectsAreAllowed() throws Exception {
        store.put("empty", ByteBuffer.allocate(0));
        assertThat(store.get("empty")).isEmpty();
        assertThat(store.stat("empty").size()).isZero();
    }

    @Test
    void putHonoursTheBufferPositionAndLimit() throws Exception {
        ByteBuffer b = ByteBuffer.wrap("xxhelloyy".getBytes(StandardCharsets.UTF_8), 2, 5);
        store.put("slice", b);
        assertThat(new String(store.get("slice"), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void putOfAnExistingKeyFailsAndKeepsTheFirstObject() throws Exception {
        store.put("config", bytes("first"));
        assertThatThrownBy(() -> store.put("config", bytes("second")))
                .isInstanceOf(ObjectExistsException.class)
                .hasMessageContaining("config")
                .satisfies(e -> assertThat(((StoreException) e).retryable()).isFalse());
        assertThat(new String(store.get("config"), StandardCharsets.UTF_8)).isEqualTo("first");
    }

    @Test
    void concurrentPutsOfOneKeyLetExactlyOneWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger wins = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            fs.add(pool.submit(() -> {
                try {
                    store.put("locks/race", bytes("writer " + n));
                    wins.incrementAndGet();
                } catch (ObjectExistsException expected) {
                    // lost the race
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        assertThat(wins.get()).isEqualTo(1);
        assertThat(new String(store.get("locks/race"), StandardCharsets.UTF_8)).startsWith("writer ");
    }

    @Test
    void missingKeysRaiseNotFoundNamingTheKey() {
        assertThatThrownBy(() -> store.get("index/nope")).isInstanceOf(ObjectNotFoundException.class).hasMessageContaining("index/nope");
        assertThatThrownBy(() -> store.get("index/nope", 0, 10)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.stat("index/nope")).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.delete("index/nope")).isInstanceOf(ObjectNotFoundException.class);
    }

    @Test
    void rangeReadsReturnTheRangeAndAreShortOnlyAtTheEnd() throws Exception {
        byte[] data = new byte[1000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        store.put("data/r", ByteBuffer.wrap(data));
        assertThat(store.get("data/r", 100, 50)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 150));
        assertThat(store.get("data/r", 0, 1000)).isEqualTo(data);
        assertThat(store.get("data/r", 990, 50)).isEqualTo(java.util.Arrays.copyOfRange(data, 990, 1000));
        assertThat(store.get("data/r", 1000, 10)).isEmpty();
    }

    @Test
    void rangeReadsIntoABufferFillOnlyTheirPartOfIt() throws Exception {
        byte[] data = new byte[3 << 20]; // more than one read slice of the local store
        new java.util.Random(7).nextBytes(data);
        store.put("data/b", ByteBuffer.wrap(data));
        byte[] dst = new byte[data.length + 20];
        java.util.Arrays.fill(dst, (byte) 0x5a);
        assertThat(store.read("data/b", 100, dst, 10, data.length - 100)).isEqualTo(data.length - 100);
        assertThat(java.util.Arrays.copyOfRange(dst, 10, 10 + data.length - 100)).isEqualTo(java.util.Arrays.copyOfRange(data, 100, data.length));
        assertThat(dst[9]).isEqualTo((byte) 0x5a);
        assertThat(dst[10 + data.length - 100]).isEqualTo((byte) 0x5a);
        // short only at the end of the object
        assertThat(store.read("data/b", data.length - 5, dst, 0, 50)).isEqualTo(5);
        assertThat(java.util.Arrays.copyOfRange(dst, 0, 5)).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 5, data.length));
        assertThat(store.read("data/b", data.length, dst, 0, 10)).isZero();
        assertThatThrownBy(() -> store.read("data/nope", 0, dst, 0, 10)).isInstanceOf(ObjectNotFoundException.class).hasMessageContaining("data/nope");
        assertThatThrownBy(() -> store.read("data/b", 0, dst, 30, dst.length)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void listReturnsKeysUnderAPrefixWithSizes() throws Exception {
        String longHex = "3fa2c81e0b1d00112233445566778899aabbccddeeff00112233445566778899";
        store.put("data/" + longHex, bytes("12345"));
        store.put("data/other", bytes("1"));
        store.put("index/" + longHex, bytes("12"));
        store.put("config", bytes("c"));
        assertThat(store.list("data/")).containsExactlyInAnyOrder(new ObjectInfo("data/" + longHex, 5), new ObjectInfo("data/other", 1));
        assertThat(store.list("index/")).containsExactly(new ObjectInfo("index/" + longHex, 2));
        assertThat(store.list("data/3f")).containsExactly(new ObjectInfo("data/" + longHex, 5));
        assertThat(store.list("")).extracting(ObjectInfo::key).containsExactlyInAnyOrder("data/" + longHex, "data/other", "index/" + longHex, "config");
        assertThat(store.list("nothing/")).isEmpty();
    }

    @Test
    void deleteRemovesAndIsVisibleAtOnce() throws Exception {
        store.put("manifests/a", bytes("a"));
        store.delete("manifests/a");
        assertThat(store.list("manifests/")).isEmpty();
        assertThatThrownBy(() -> store.get("manifests/a")).isInstanceOf(ObjectNotFoundException.class);
        store.put("manifests/a", bytes("again")); // a deleted key may be written again
        assertThat(store.get("manifests/a")).hasSize(5);
    }

    @Test
    void invalidKeysAreRejected() {
        for (String bad : new String[] {"", "/abs", "a/../b", "a//b", "trailing/", "sp ace", "a/./b", "dots/.."}) {
            assertThatThrownBy(() -> store.put(bad, bytes("x"))).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.get(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void locationNamesTheStore() {
        assertThat(store.location()).isNotBlank();
    }
}
