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
 *
 * <p>Once the last slice is out (or the exchange is cancelled) the publisher lets go of the
 * array: the client keeps a finished request reachable from its pooled connection until that
 * connection is used again, and with it, a whole pack. It can therefore be subscribed to once;
 * every attempt of a request builds a new one.
 */
final class ArrayBodyPublisher implements Flow.Publisher<ByteBuffer> {
    private static final int SLICE = 64 << 10;

    private volatile byte[] array;
    private final int offset;
    private final int length;

    private ArrayBodyPublisher(byte[] array, int offset, int length) {
        this.array = array;
        this.offset = offset;
        this.length = length;
    }

    static HttpRequest.BodyPublisher of(byte[] array, int offset, int length) {
        if (length == 0) return HttpRequest.BodyPublishers.noBody();
        return HttpRequest.BodyPublishers.fromPublisher(create(array, offset, length), length);
    }

    static ArrayBodyPublisher create(byte[] array, int offset, int length) {
        return new ArrayBodyPublisher(array, offset, length);
    }

    /** True once the body has been sent in full or the exchange was cancelled. */
    boolean released() {
        return array == null;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        if (array == null) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            s.onError(new IllegalStateException("request body already sent; build a new request to send it again"));
            return;
        }
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
                                array = null;
                                s.onComplete();
                                break;
                            }
                            byte[] a = array; // read each time: the subscription must not pin it
                            if (a == null) break; // cancelled
                            int n2 = Math.min(SLICE, end - pos);
                            ByteBuffer b = ByteBuffer.wrap(a, pos, n2).slice().asReadOnlyBuffer();
                            pos += n2;
                            demand.decrementAndGet();
                            s.onNext(b);
                        }
                        if (!done && pos >= offset + length && !cancelled) {
                            done = true;
                            array = null;
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
                array = null;
            }
        });
    }
}
