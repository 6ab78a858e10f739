package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;

import io.coffer.sys.LibCrypto;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A passphrase gives the same key whether OpenSSL or the JDK stretches it: repositories made on
 * one open on the other, and on a host without libcrypto.
 */
class Pbkdf2Properties {
    @Property(tries = 300)
    void openSslAndTheJdkDeriveTheSameKey(@ForAll("passwords") String password, @ForAll @Size(min = 1, max = 64) byte[] salt,
            @ForAll @IntRange(min = 1, max = 300) int iterations) {
        assertThat(LibCrypto.available()).as("libcrypto.so.3 through the foreign-function API").isEqualTo(Runtime.version().feature() >= 22);
        byte[] jdk = Crypto.jdkPbkdf2(password.toCharArray(), salt, iterations);
        assertThat(Crypto.pbkdf2(password.toCharArray(), salt, iterations)).isEqualTo(jdk);
        if (LibCrypto.available()) { // and OpenSSL's answer is the one given, not a fallback to the JDK
            java.nio.ByteBuffer b = java.nio.charset.StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
            byte[] utf8 = new byte[b.remaining()];
            b.get(utf8);
            assertThat(LibCrypto.pbkdf2HmacSha256(utf8, salt, iterations, 32)).isEqualTo(jdk);
        }
    }

    @Provide
    Arbitrary<String> passwords() {
        // any UTF-16, unpaired surrogates too (the JDK's provider encodes those as '?')
        return Arbitraries.oneOf(Arbitraries.strings().ofMinLength(1).ofMaxLength(80),
                Arbitraries.strings().withCharRange('\ud800', '\udfff').ofMinLength(1).ofMaxLength(8),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(200));
    }

    @Example
    void theRfc7914TestVectorAtTheRepositoriesIterationCount() {
        // RFC 7914 section 11's PBKDF2-HMAC-SHA256 vector ("passwd", "salt", c = 1), then this
        // project's count, checked against `openssl kdf` and the JDK
        assertThat(HexFormat.of().formatHex(Crypto.pbkdf2("passwd".toCharArray(), "salt".getBytes(), 1)))
                .isEqualTo("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
        byte[] salt = new byte[16];
        assertThat(Crypto.pbkdf2("bench".toCharArray(), salt, MasterKeys.PBKDF2_ITERATIONS))
                .isEqualTo(Crypto.jdkPbkdf2("bench".toCharArray(), salt, MasterKeys.PBKDF2_ITERATIONS));
    }
}
