package io.coffer.store.swift;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A successful response body read straight into an array of exactly its {@code Content-Length}:
 * {@code BodyHandlers.ofByteArray} keeps every received buffer and copies them all into one array
 * at the end, which for ranges of many MiB doubles the memory and the copying of a restore.
 * Bodies without a length, and error bodies, are collected the JDK's way.
 */
final class ExactBody implements HttpResponse.BodySubscriber<byte[]> {
    private final byte[] out;
    private final int start;
    private final int end;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private int pos;

    private ExactBody(byte[] out, int start, int length) {
        this.out = out;
        this.start = start;
        this.end = start + length;
        this.pos = start;
    }

    static HttpResponse.BodyHandler<byte[]> handler() {
        return info -> {
            long n = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (info.statusCode() / 100 != 2 || n < 0 || n > Integer.MAX_VALUE - 16) return HttpResponse.BodySubscribers.ofByteArray();
            return new ExactBody(new byte[(int) n], 0, (int) n);
        };
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        for (ByteBuffer b : items) {
            int n = b.remaining();
            if (n > end - pos) {
                subscription.cancel();
                result.completeExceptionally(new IOException("response body is longer than its Content-Length (" + (end - start) + " bytes)"));
                return;
            }
            b.get(out, pos, n);
            pos += n;
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        if (pos == end) {
            result.complete(out);
        } else {
            result.completeExceptionally(new IOException("response body ended after " + (pos - start) + " of " + (end - start) + " bytes"));
        }
    }
}
