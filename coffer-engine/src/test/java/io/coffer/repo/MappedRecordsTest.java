package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapped table's segments, and that closing it unmaps them at once (Java 22 and later). */
class MappedRecordsTest {
    @TempDir
    Path dir;

    private String old;

    @BeforeEach
    void ownDirectory() {
        old = System.getProperty(MappedRecords.DIR_PROPERTY);
        System.setProperty(MappedRecords.DIR_PROPERTY, dir.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) System.clearProperty(MappedRecords.DIR_PROPERTY);
        else System.setProperty(MappedRecords.DIR_PROPERTY, old);
    }

    /** Lines of this process's memory map that map a file of {@link #dir}. */
    private long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(dir.toString())).count();
    }

    @Test
    void recordsReadBackAcrossSegmentsAndNewOnesAreZero() {
        try (MappedRecords r = new MappedRecords(16, 10)) {
            r.ensure(5000);
            for (long i = 0; i < 5000; i++) {
                r.putLong(i, 0, i * 31);
                r.putInt(i, 8, (int) -i);
            }
            r.ensure(9000);
            for (long i = 0; i < 5000; i++) {
                assertThat(r.getLong(i, 0)).isEqualTo(i * 31);
                assertThat(r.getInt(i, 8)).isEqualTo((int) -i);
            }
            assertThat(r.getLong(8999, 0)).isZero();
        }
    }

    @Test
    void closeUnmapsEverySegmentAtOnce() throws IOException {
        assumeThat(Runtime.version().feature()).as("an arena to unmap with (Java 22+)").isGreaterThanOrEqualTo(22);
        MappedRecords r = new MappedRecords(8, 16);
        r.ensure(4L << 16);
        for (long i = 0; i < 4L << 16; i += 512) r.putLong(i, 0, i + 1);
        assertThat(mappings()).as("four mapped segments").isEqualTo(4);
        r.close();
        // without the arena they would stay mapped until a collection found the buffers
        assertThat(mappings()).isZero();
        assertThatThrownBy(() -> r.getLong(0, 0)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aTableDroppedWithoutCloseIsUnmappedByTheCollector() throws Exception {
        assumeThat(Runtime.version().feature()).as("an arena to unmap with (Java 22+)").isGreaterThanOrEqualTo(22);
        MappedRecords r = new MappedRecords(8, 16);
        r.ensure(2L << 16);
        r.putLong(1, 0, 42);
        assertThat(mappings()).isEqualTo(2);
        r = null;
        // a shared arena lives until closed: without its cleaner these two would stay mapped for good
        for (int i = 0; i < 100 && mappings() > 0; i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(mappings()).isZero();
    }
}
