package io.coffer.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coffer.store.FaultInjectingObjectStore.Fault;
import io.coffer.store.FaultInjectingObjectStore.Op;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryingObjectStoreTest {
    @TempDir
    Path dir;

    FaultInjectingObjectStore faults;
    RetryingObjectStore store;
    final List<Duration> sleeps = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        faults = new FaultInjectingObjectStore(LocalObjectStore.open(dir), 7);
        store = new RetryingObjectStore(faults, new RetryingObjectStore.Policy(4, Duration.ofMillis(100), Duration.ofSeconds(1)), sleeps::add);
    }

    @Test
    void transientFaultsAreRetriedWithBoundedBackoff() throws Exception {
        faults.inject(Op.PUT, k -> true, Fault.TRANSIENT, 3);
        store.put("data/a", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThat(store.get("data/a")).containsExactly(1, 2, 3);
        assertThat(sleeps).hasSize(3).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(1)));
    }

    @Test
    void permanentFaultsAreNotRetried() {
        faults.inject(Op.GET, k -> true, Fault.PERMANENT, 1);
        assertThatThrownBy(() -> store.get("data/a")).isInstanceOf(StoreException.class).hasMessageContaining("data/a");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastError() {
        faults.inject(Op.STAT, k -> true, Fault.TRANSIENT, 10);
        assertThatThrownBy(() -> store.stat("x")).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(((StoreException) e).retryable()).isTrue());
        assertThat(sleeps).hasSize(3);
    }

    @Test
    void aPutWhoseReplyWasLostIsAcceptedOnRetry() throws Exception {
        faults.inject(Op.PUT, k -> k.equals("data/b"), Fault.LOST_REPLY, 1);
        store.put("data/b", ByteBuffer.wrap(new byte[] {9}));
        assertThat(store.get("data/b")).containsExactly(9);
    }

    @Test
    void aPutOfAnExistingKeyWithoutEarlierFailureStillFails() throws Exception {
        store.put("config", ByteBuffer.wrap(new byte[] {1}));
        assertThatThrownBy(() -> store.put("config", ByteBuffer.wrap(new byte[] {2}))).isInstanceOf(ObjectExistsException.class);
    }

    @Test
    void notFoundIsNotRetried() {
        assertThatThrownBy(() -> store.get("missing")).isInstanceOf(ObjectNotFoundException.class);
        assertThat(sleeps).isEmpty();
    }
}
