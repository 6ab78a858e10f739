package io.coffer.store.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class ExactBodyTest {
    private static HttpResponse.BodySubscriber<byte[]> subscriber(int status, Long length) {
        return subscriber(ExactBody.handler(), status, length);
    }

    private static HttpResponse.BodySubscriber<byte[]> subscriber(HttpResponse.BodyHandler<byte[]> handler, int status, Long length) {
        Map<String, List<String>> h = length == null ? Map.of() : Map.of("Content-Length", List.of(length.toString()));
        HttpHeaders headers = HttpHeaders.of(h, (a, b) -> true);
        HttpResponse.BodySubscriber<byte[]> s = handler.apply(new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return status;
            }

            @Override
            public HttpHeaders headers() {
                return headers;
            }

            @Override
            public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
            }
        });
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {}

            @Override
            public void cancel() {}
        });
        return s;
    }

    private static List<ByteBuffer> slices(byte[] b, int from, int to) {
        return List.of(ByteBuffer.wrap(b, from, (to - from) / 2).slice(), ByteBuffer.wrap(b, from + (to - from) / 2, to - from - (to - from) / 2).slice());
    }

    @Test
    void aBodyOfItsAnnouncedLengthArrivesWhole() throws Exception {
        byte[] b = new byte[100_000];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7);
        var s = subscriber(206, (long) b.length);
        s.onNext(slices(b, 0, 60_000));
        s.onNext(slices(b, 60_000, b.length));
        s.onComplete();
        assertThat(s.getBody().toCompletableFuture().get()).isEqualTo(b);
    }

    @Test
    void aRangeIsReadIntoTheCallersBufferAndNothingAroundItChanges() throws Exception {
        byte[] b = new byte[50_000];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 13);
        byte[] dst = new byte[b.length + 100];
        java.util.Arrays.fill(dst, (byte) 0x5a);
        var s = subscriber(ExactBody.into(dst, 40, b.length + 60), 206, (long) b.length);
        s.onNext(slices(b, 0, 30_000));
        s.onNext(slices(b, 30_000, b.length));
        s.onComplete();
        assertThat(s.getBody().toCompletableFuture().get()).isSameAs(dst);
        assertThat(java.util.Arrays.copyOfRange(dst, 40, 40 + b.length)).isEqualTo(b);
        assertThat(dst[39]).isEqualTo((byte) 0x5a);
        assertThat(dst[40 + b.length]).isEqualTo((byte) 0x5a);
        // a whole object (the server ignored the range), or more than asked for, never lands in the buffer
        java.util.Arrays.fill(dst, (byte) 0x5a);
        var whole = subscriber(ExactBody.into(dst, 0, 10), 200, (long) b.length);
        whole.onNext(slices(b, 0, b.length));
        whole.onComplete();
        assertThat(whole.getBody().toCompletableFuture().get()).isEqualTo(b).isNotSameAs(dst);
        var tooLong = subscriber(ExactBody.into(dst, 0, 10), 206, 20L);
        tooLong.onNext(slices(b, 0, 20));
        tooLong.onComplete();
        assertThat(tooLong.getBody().toCompletableFuture().get()).hasSize(20).isNotSameAs(dst);
        assertThat(dst[0]).isEqualTo((byte) 0x5a);
    }

    @Test
    void aShortOrLongBodyIsAnErrorNotData() {
        byte[] b = new byte[1000];
        var shortBody = subscriber(200, 2000L);
        shortBody.onNext(slices(b, 0, 1000));
        shortBody.onComplete();
        assertThatThrownBy(() -> shortBody.getBody().toCompletableFuture().get()).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("ended after 1000 of 2000 bytes");
        var longBody = subscriber(200, 500L);
        longBody.onNext(slices(b, 0, 1000));
        longBody.onComplete();
        assertThatThrownBy(() -> longBody.getBody().toCompletableFuture().get()).hasMessageContaining("longer than its Content-Length");
    }

    @Test
    void errorsAndBodiesWithoutALengthAreCollectedAsUsual() throws Exception {
        byte[] b = "not found".getBytes();
        var error = subscriber(404, 3L); // an error body is taken as it comes, whatever its header says
        error.onNext(List.of(ByteBuffer.wrap(b)));
        error.onComplete();
        assertThat(error.getBody().toCompletableFuture().get()).isEqualTo(b);
        var chunked = subscriber(200, null);
        chunked.onNext(List.of(ByteBuffer.wrap(b)));
        chunked.onComplete();
        assertThat(chunked.getBody().toCompletableFuture().get()).isEqualTo(b);
    }
}
