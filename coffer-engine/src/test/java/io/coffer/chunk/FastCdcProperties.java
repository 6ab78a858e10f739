package io.coffer.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class FastCdcProperties {
    static final int MIN = 2 * 1024, AVG = 8 * 1024, MAX = 32 * 1024;
    static final FastCdc CDC = new FastCdc(MIN, AVG, MAX, new byte[] {1, 2, 3});

    /** Cuts {@code data} the way the backup does: with a window of 2 x max refilled as it goes. */
    static List<byte[]> chunks(byte[] data) {
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[2 * MAX];
        int have = 0, start = 0, pos = 0;
        boolean eof = false;
        while (true) {
            int c = CDC.cut(buf, start, have - start, eof);
            if (c < 0) {
                System.arraycopy(buf, start, buf, 0, have - start);
                have -= start;
                start = 0;
                int n = Math.min(buf.length - have, data.length - pos);
                System.arraycopy(data, pos, buf, have, n);
                pos += n;
                have += n;
                if (pos == data.length) eof = true;
                continue;
            }
            if (c == 0) break;
            out.add(Arrays.copyOfRange(buf, start, start + c));
            start += c;
        }
        return out;
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Property(tries = 60)
    void chunksConcatenateToTheInputAndRespectTheBounds(@ForAll long seed, @ForAll @IntRange(min = 0, max = 400_000) int size) {
        byte[] data = random(seed, size);
        List<byte[]> cs = chunks(data);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < cs.size(); i++) {
            byte[] c = cs.get(i);
            all.writeBytes(c);
            assertThat(c.length).isLessThanOrEqualTo(MAX);
            if (i < cs.size() - 1) assertThat(c.length).isGreaterThan(MIN);
        }
        assertThat(all.toByteArray()).isEqualTo(data);
    }

    @Property(tries = 60)
    void boundariesAreStableUnderAnInsertion(@ForAll long seed, @ForAll @IntRange(min = 0, max = 299_999) int at,
                                            @ForAll @IntRange(min = 1, max = 5000) int inserted) {
        byte[] data = random(seed, 300_000);
        byte[] extra = random(seed + 1, inserted);
        byte[] changed = new byte[data.length + inserted];
        System.arraycopy(data, 0, changed, 0, at);
        System.arraycopy(extra, 0, changed, at, inserted);
        System.arraycopy(data, at, changed, at + inserted, data.length - at);
        List<byte[]> before = chunks(data), after = chunks(changed);
        Set<String> kept = keys(after);
        long lost = 0;
        long offset = 0;
        for (byte[] c : before) {
            boolean survived = kept.contains(Arrays.toString(c));
            if (!survived) lost++;
            // Chunks that end before the edit, or start well after it, are unchanged.
            if (offset + c.length <= at || offset >= at + 4L * MAX) {
                assertThat(survived).as("chunk at %d (len %d) after inserting %d bytes at %d", offset, c.length, inserted, at).isTrue();
            }
            offset += c.length;
        }
        assertThat(lost).as("chunks lost after inserting %d bytes at %d (of %d)", inserted, at, before.size()).isLessThanOrEqualTo(6);
    }

    @Property(tries = 30)
    void chunkingIsDeterministicAndDependsOnTheSeed(@ForAll long seed) {
        byte[] data = random(seed, 200_000);
        assertThat(keys(chunks(data))).isEqualTo(keys(chunks(data)));
        FastCdc other = new FastCdc(MIN, AVG, MAX, new byte[] {9});
        int c1 = CDC.cut(data, 0, data.length, true), c2 = other.cut(data, 0, data.length, true);
        assertThat(c1 > 0 && c2 > 0).isTrue();
    }

    @Property(tries = 20)
    void averageChunkSizeIsNearTheTarget(@ForAll long seed) {
        byte[] data = random(seed, 2_000_000);
        List<byte[]> cs = chunks(data);
        double avg = (double) data.length / cs.size();
        assertThat(avg).isBetween(AVG * 0.6, AVG * 1.6);
    }

    private static Set<String> keys(List<byte[]> cs) {
        Set<String> s = new HashSet<>();
        for (byte[] c : cs) s.add(Arrays.toString(c));
        return s;
    }
}
