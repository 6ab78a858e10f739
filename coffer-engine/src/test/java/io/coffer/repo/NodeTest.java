package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A backup reuses the parent's tree when every node is {@code sameAs} the parent's: no field may be left out. */
class NodeTest {
    private static final Node BASE = new Node("f", Node.FILE, 0644, 1000, 1000, 5L, 6L, 7L, 8L, "cdc",
            List.of("z8"), "ab", "t", 9L, "1:2");

    @Test
    void nodesThatDifferInAnyOneFieldAreNotTheSame() throws Exception {
        RecordComponent[] comps = Node.class.getRecordComponents();
        assertThat(BASE.sameAs(copyWith(comps, -1, null))).isTrue();
        for (int i = 0; i < comps.length; i++) {
            Object v = comps[i].getAccessor().invoke(BASE);
            Object other = switch (v) {
                case String s -> s + "x";
                case Integer n -> n + 1;
                case Long n -> n + 1;
                case List<?> l -> List.of("z9");
                default -> throw new AssertionError("no other value for " + comps[i]);
            };
            assertThat(BASE.sameAs(copyWith(comps, i, other))).as(comps[i].getName()).isFalse();
            assertThat(BASE.sameAs(copyWith(comps, i, null))).as(comps[i].getName() + " = null").isFalse();
        }
    }

    private static Node copyWith(RecordComponent[] comps, int at, Object value) throws Exception {
        Object[] args = new Object[comps.length];
        Class<?>[] types = new Class<?>[comps.length];
        for (int i = 0; i < comps.length; i++) {
            args[i] = i == at ? value : comps[i].getAccessor().invoke(BASE);
            types[i] = comps[i].getType();
        }
        return Node.class.getDeclaredConstructor(types).newInstance(args);
    }
}
