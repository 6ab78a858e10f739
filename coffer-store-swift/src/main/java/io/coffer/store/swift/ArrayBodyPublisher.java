package io.coffer.store.swift;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body over a region of an array, sent as read-only slices of it. The JDK's
 * {@code BodyPublishers.ofByteArray} copies the whole body into its own buffers first, which for
 * a pack of tens of MiB doubles the memory of every upload in flight.
 */
final class ArrayBodyPublisher implements Flow.Publisher<ByteBuffer> {
    private static final int SLICE = 64 << 10;

    private final byte[] array;
    private final int offset;
    private final int length;

    private ArrayBodyPublisher(byte[] array, int offset, int length) {
        this.array = array;
        this.offset = offset;
        this.length = length;
    }

    static HttpRequest.BodyPublisher of(byte[] array, int offset, int length) {
        if (length == 0) return HttpRequest.BodyPublishers.noBody();
        return HttpRequest.BodyPublishers.fromPublisher(new ArrayBodyPublisher(array, offset, length), length);
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        s.onSubscribe(new Flow.Subscription() {
            private final AtomicLong demand = new AtomicLong();
            private final AtomicBoolean emitting = new AtomicBoolean();
            private volatile boolean cancelled;
            private int pos = offset;
            private boolean done;

            @Override
            public void request(long n) {
                if (n <= 0) {
                    cancelled = true;
                    s.onError(new IllegalArgumentException("non-positive request " + n));
                    return;
                }
                demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
                // one emitter at a time; a request made from onNext is served by the loop already running
                while (!cancelled && !done && emitting.compareAndSet(false, true)) {
                    try {
                        while (!cancelled && !done && demand.get() > 0) {
                            int end = offset + length;
                            if (pos >= end) {
                                done = true;
                                s.onComplete();
                                break;
                            }
                            int n2 = Math.min(SLICE, end - pos);
                            ByteBuffer b = ByteBuffer.wrap(array, pos, n2).slice().asReadOnlyBuffer();
                            pos += n2;
                            demand.decrementAndGet();
                            s.onNext(b);
                        }
                        if (!done && pos >= offset + length && !cancelled) {
                            done = true;
                            s.onComplete();
                        }
                    } finally {
                        emitting.set(false);
                    }
                    if (demand.get() == 0 || done || cancelled) break;
                }
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        });
    }
}
