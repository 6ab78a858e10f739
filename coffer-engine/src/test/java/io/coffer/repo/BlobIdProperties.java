package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Blob ids print and parse by hand (a word at a time): they must agree with the JDK's HexFormat. */
class BlobIdProperties {
    @Property
    void printsAsTheJdkDoesAndParsesBack(@ForAll @Size(32) byte[] bytes) {
        BlobId id = BlobId.of(bytes);
        String hex = HexFormat.of().formatHex(bytes);
        assertThat(id.hex()).isEqualTo(hex);
        assertThat(BlobId.parse(hex)).isEqualTo(id);
        assertThat(BlobId.parse(hex).bytes()).isEqualTo(bytes);
        assertThat(Hex.isHex(hex)).isTrue();
    }

    @Property
    void aSingleWrongCharacterAnywhereIsRefused(@ForAll @Size(32) byte[] bytes, @ForAll @IntRange(min = 0, max = 63) int at,
            @ForAll @CharRange(from = 0, to = 0x3ff) char c) {
        if (Character.digit(c, 16) >= 0 && !Character.isUpperCase(c)) return; // still a lower-case hex digit
        char[] hex = HexFormat.of().formatHex(bytes).toCharArray();
        hex[at] = c;
        String bad = new String(hex);
        assertThat(Hex.isHex(bad)).isFalse();
        assertThatThrownBy(() -> BlobId.parse(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a blob id");
    }

    @Property
    void wrongLengthsAreRefused(@ForAll @Size(max = 40) byte[] bytes) {
        if (bytes.length == 32) return;
        String hex = HexFormat.of().formatHex(bytes);
        assertThatThrownBy(() -> BlobId.parse(hex)).isInstanceOf(IllegalArgumentException.class);
    }
}
