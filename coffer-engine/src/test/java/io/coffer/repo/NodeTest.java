package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A backup reuses the parent's tree when every node is {@code sameAs} the parent's: no field may be left out. */
class NodeTest {
    private static final Node BASE = new Node("f", Node.FILE, 0644, 1000, 1000, 5L, 6L, 7L, 8L, "cdc",
            List.of("z8"), "ab", "t", 9L, "1:2", Map.of("user.a", "YQ=="), Boolean.TRUE, List.of(0L, 8L));

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
                case Map<?, ?> m -> Map.of("user.a", "Yg==");
                case Boolean b -> !b;
                default -> throw new AssertionError("no other value for " + comps[i]);
            };
            assertThat(BASE.sameAs(copyWith(comps, i, other))).as(comps[i].getName()).isFalse();
            assertThat(BASE.sameAs(copyWith(comps, i, null))).as(comps[i].getName() + " = null").isFalse();
        }
    }

    @Test
    void namesAndTargetsThatAreNotUtf8AreStoredAsBytesBesideTheirText() {
        Node n = new Node("caf\uDCE9", Node.SYMLINK, 0777, 0, 0, 1L, 1L, 2L, null, null, null, null, "../x\uDCFF//", null, null);
        byte[] json = TreeCodec.write(Tree.of(List.of(n)));
        String text = new String(json, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("\"name\":\"caf\\\\xe9\",\"nameBytes\":\"Y2Fm6Q==\"", "\"target\":\"../x\\\\xff//\",\"targetBytes\":");
        Tree back = TreeCodec.read("tree t", json).validate("tree t");
        assertThat(back.nodes().get(0).sameAs(n)).isTrue();

        // bytes that hold a '/' are no safe name, whatever the text beside them says
        String slash = text.replace("Y2Fm6Q==", "YS9i"); // "a/b"
        assertThatThrownBy(() -> TreeCodec.read("tree t", slash.getBytes(java.nio.charset.StandardCharsets.UTF_8)).validate("tree t"))
                .hasMessageContaining("unsafe name");
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
