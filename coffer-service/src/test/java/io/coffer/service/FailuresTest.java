package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** A failed job's reason is one line that says what happened, whatever was thrown. */
class FailuresTest {
    @Test
    void aNativeLibraryThatCannotBeLoadedIsNamedWithItsFix() {
        String r = Failures.reason(new UnsatisfiedLinkError("/tmp/libzstd-jni.so: failed to map segment from shared object\nmore lines"));
        assertThat(r).startsWith("cannot load zstd's native library (/tmp/libzstd-jni.so: failed to map segment from shared object)")
                .contains("noexec").contains("XDG_CACHE_HOME").doesNotContain("\n").doesNotContain("internal error");
    }

    @Test
    void filesAndIoErrorsKeepTheirMessage() {
        assertThat(Failures.reason(new UncheckedIOException(new NoSuchFileException("/data/x")))).isEqualTo("no such file: /data/x");
        assertThat(Failures.reason(new IOException("disk full"))).isEqualTo("disk full");
        assertThat(Failures.reason(new IllegalStateException("boom"))).isEqualTo("internal error: java.lang.IllegalStateException: boom");
    }

    @Test
    void expectedFailuresAreLoggedInOneLineDefectsWhole() {
        assertThat(Failures.expected(new IOException("disk full"))).isTrue();
        assertThat(Failures.expected(new UncheckedIOException(new NoSuchFileException("/x")))).isTrue();
        assertThat(Failures.expected(ServiceException.conflict("busy"))).isTrue();
        assertThat(Failures.expected(new io.coffer.repo.RepositoryException(io.coffer.repo.RepositoryException.Kind.CORRUPT, "damaged"))).isTrue();
        assertThat(Failures.expected(new IllegalStateException("boom"))).isFalse();
        assertThat(Failures.expected(new NullPointerException())).isFalse();
    }
}
