package io.coffer.csi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Paging through any list with any page size visits every entry once, in order; a token not given out is ABORTED. */
class PagingTest {
    @Property
    void pagesCoverTheListOnceInOrder(@ForAll @IntRange(min = 0, max = 40) int size, @ForAll @IntRange(min = 0, max = 12) int max) {
        List<Integer> all = IntStream.range(0, size).boxed().toList();
        List<Integer> seen = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            Paging<Integer> p = Paging.of(all, max, token);
            if (max > 0) assertThat(p.page()).hasSizeLessThanOrEqualTo(max);
            seen.addAll(p.page());
            token = p.nextToken();
            assertThat(++pages).isLessThanOrEqualTo(size + 1);
        } while (!token.isEmpty());
        assertThat(seen).isEqualTo(all);
    }

    @Property
    void tokensThatWereNotGivenOutAreAborted(@ForAll("badTokens") String token) {
        assertThatThrownBy(() -> Paging.of(List.of(1, 2, 3), 1, token)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> badTokens() {
        return net.jqwik.api.Arbitraries.oneOf(net.jqwik.api.Arbitraries.of("x", "-1", "4", "99", "1.5", " 1"),
                net.jqwik.api.Arbitraries.strings().alpha().ofMinLength(1));
    }
}
