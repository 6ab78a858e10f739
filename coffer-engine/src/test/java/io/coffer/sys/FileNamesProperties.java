package io.coffer.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Names as strings map one to one to their bytes: checked against the JDK's strict UTF-8 decoder
 * as the oracle of what is valid, on random bytes weighted towards the edges of UTF-8 (lead bytes,
 * continuation bytes, overlong and surrogate forms, the end of Unicode).
 */
class FileNamesProperties {
    @Provide
    Arbitrary<byte[]> names() {
        Arbitrary<Byte> edgy = Arbitraries.of(0x00, 0x2f, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f,
                0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff).map(i -> (byte) (int) i);
        Arbitrary<Byte> any = Arbitraries.bytes();
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, any), net.jqwik.api.Tuple.of(2, edgy)).array(byte[].class).ofMaxSize(24);
    }

    @Property(tries = 3000)
    void bytesComeBackExactly(@ForAll("names") byte[] b) {
        String name = FileNames.decode(b);
        assertThat(FileNames.encode(name)).containsExactly(b);
    }

    @Property(tries = 3000)
    void validUtf8IsItsOrdinaryStringAndNothingElseIsEscaped(@ForAll("names") byte[] b) {
        String strict = strictUtf8(b);
        String name = FileNames.decode(b);
        assertThat(FileNames.escaped(name)).isEqualTo(strict == null);
        if (strict != null) assertThat(name).isEqualTo(strict);
        else assertThat(FileNames.display(name)).doesNotContainPattern("[\\uDC80-\\uDCFF]").contains("\\x");
    }

    @Property(tries = 1000)
    void differentBytesAreDifferentNames(@ForAll("names") byte[] a, @ForAll("names") byte[] b) {
        if (!java.util.Arrays.equals(a, b)) assertThat(FileNames.decode(a)).isNotEqualTo(FileNames.decode(b));
    }

    @Example
    void aSupplementaryCharacterIsNotAnEscape() {
        String s = "x\uD83D\uDC80y"; // U+1F480: its low surrogate lies in the escape range
        assertThat(FileNames.escaped(s)).isFalse();
        assertThat(FileNames.decode(s.getBytes(StandardCharsets.UTF_8))).isEqualTo(s);
        assertThat(FileNames.escaped("\uDC80" + s)).isTrue();
        assertThat(FileNames.encode("\uDCE9" + s)).startsWith((byte) 0xe9).hasSize(1 + 6);
    }

    @Example
    void aListedNameGivesItsBytesAndAPathBack() throws Exception {
        Path dir = Files.createTempDirectory("names");
        try {
            byte[] raw = {'c', 'a', 'f', (byte) 0xe9, ' ', '%', '#', '?'};
            Process p = new ProcessBuilder("bash", "-c", "printf data > $'caf\\xe9 %#?'").directory(dir.toFile()).start();
            assertThat(p.waitFor()).isZero();
            Path listed;
            try (var ds = Files.newDirectoryStream(dir)) {
                listed = ds.iterator().next();
            }
            String name = FileNames.name(listed);
            assertThat(FileNames.encode(name)).containsExactly(raw);
            Path back = FileNames.resolve(dir, name);
            assertThat(Files.readString(back)).isEqualTo("data");
            assertThat(back).isEqualTo(listed.toAbsolutePath());
            assertThat(FileNames.bytes(back)).endsWith(raw);
            Files.delete(back);
        } finally {
            Files.delete(dir);
        }
    }

    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
