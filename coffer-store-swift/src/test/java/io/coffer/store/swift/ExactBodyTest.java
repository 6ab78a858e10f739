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
