package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ArrayBodyPublisherTest {
    /** Collects what it is sent, asking for one slice at a time. */
    static final class Sink implements Flow.Subscriber<ByteBuffer> {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        Flow.Subscription sub;
        boolean complete;
        final long cancelAfter;

        Sink(long cancelAfter) {
            this.cancelAfter = cancelAfter;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            sub = s;
            s.request(1);
        }

        @Override
        public void onNext(ByteBuffer b) {
            byte[] x = new byte[b.remaining()];
            b.get(x);
            got.writeBytes(x);
            if (got.size() >= cancelAfter) sub.cancel();
            else sub.request(1);
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
        }

        @Override
        public void onComplete() {
            complete = true;
        }
    }

    @Test
    void sendsTheRegionOnceAndThenLetsGoOfTheArray() {
        byte[] a = new byte[300_000];
        for (int i = 0; i < a.length; i++) a[i] = (byte) (i * 31);
        ArrayBodyPublisher p = ArrayBodyPublisher.create(a, 1000, 200_001);
        Sink s = new Sink(Long.MAX_VALUE);
        p.subscribe(s);
        assertThat(s.complete).isTrue();
        assertThat(s.got.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(a, 1000, 201_001));
        // a finished request must not pin the pack it carried
        assertThat(p.released()).isTrue();
        Sink again = new Sink(Long.MAX_VALUE);
        p.subscribe(again);
        assertThat(again.complete).isFalse();
        assertThat(again.error.get()).hasMessageContaining("already sent");
    }

    @Test
    void aCancelledExchangeLetsGoOfTheArrayToo() {
        ArrayBodyPublisher p = ArrayBodyPublisher.create(new byte[1 << 20], 0, 1 << 20);
        Sink s = new Sink(100_000);
        p.subscribe(s);
        assertThat(s.complete).isFalse();
        assertThat(s.got.size()).isLessThan(1 << 20);
        assertThat(p.released()).isTrue();
    }
}
