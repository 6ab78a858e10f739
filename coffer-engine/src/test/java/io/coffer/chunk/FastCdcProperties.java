package io.coffer.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Example;
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

    /** Chunk lengths of {@code data}, by {@code cut}, or by {@code scan} (every byte hashed: the definition). */
    static List<Integer> lengths(FastCdc cdc, byte[] data, boolean hashEveryByte) {
        List<Integer> out = new ArrayList<>();
        int start = 0;
        while (start < data.length) {
            int c = hashEveryByte ? cdc.scan(data, start, data.length - start, true) : cdc.cut(data, start, data.length - start, true);
            out.add(c);
            start += c;
        }
        return out;
    }

    /** Random stretches separated by zero runs of up to three maximal chunks (a sparse image). */
    static byte[] holey(long seed, int pieces) {
        Random r = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            byte[] d = new byte[r.nextInt(2 * MAX)];
            r.nextBytes(d);
            out.writeBytes(d);
            out.writeBytes(new byte[r.nextInt(3 * MAX + 1)]);
            if (r.nextInt(4) == 0) out.writeBytes(new byte[] {(byte) (1 + r.nextInt(255))}); // a lone byte inside a hole
        }
        return out.toByteArray();
    }

    @Property(tries = 100)
    void zeroRunsAreCutExactlyAsIfEveryByteWereHashed(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int pieces, @ForAll byte gearSeed) {
        FastCdc cdc = new FastCdc(MIN, AVG, MAX, new byte[] {gearSeed, 7});
        byte[] data = holey(seed, pieces);
        assertThat(lengths(cdc, data, false)).isEqualTo(lengths(cdc, data, true));
    }

    @Example
    void aGearWhoseZeroRunsAreCutBeforeTheMaximumIsCutThereToo() {
        // with most gears a run of zeros never matches the mask (cut at max); find one where it does
        FastCdc cdc = null;
        for (int s = 0; s < 200_000 && cdc == null; s++) {
            FastCdc c = new FastCdc(MIN, AVG, MAX, new byte[] {(byte) s, (byte) (s >> 8), (byte) (s >> 16)});
            if (c.scan(new byte[MAX], 0, MAX, false) < MAX) cdc = c;
        }
        assertThat(cdc).as("a gear that cuts zero runs early").isNotNull();
        byte[] zeros = new byte[5 * MAX];
        assertThat(cdc.cut(zeros, 0, zeros.length, false)).isLessThan(MAX).isEqualTo(cdc.scan(zeros, 0, zeros.length, false));
        for (long seed = 0; seed < 20; seed++) {
            byte[] data = holey(seed, 12);
            assertThat(lengths(cdc, data, false)).isEqualTo(lengths(cdc, data, true));
        }
    }

    @Property(tries = 200)
    void zerosIsTrueOnlyForAllZeroRanges(@ForAll @IntRange(min = 2, max = 5000) int size, @ForAll @IntRange(min = 0, max = 4999) int at, @ForAll byte value) {
        byte[] b = new byte[size + 10];
        int where = 5 + at % size;
        b[where] = value;
        assertThat(FastCdc.zeros(b, 5, 5 + size)).isEqualTo(value == 0);
        Arrays.fill(b, (byte) 1); // all equal, but not zero
        assertThat(FastCdc.zeros(b, 5, 5 + size)).isFalse();
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

    static byte[] insert(byte[] data, int at, byte[] extra) {
        byte[] changed = new byte[data.length + extra.length];
        System.arraycopy(data, 0, changed, 0, at);
        System.arraycopy(extra, 0, changed, at, extra.length);
        System.arraycopy(data, at, changed, at + extra.length, data.length - at);
        return changed;
    }

    /** Indexes of the chunks of {@code before} that are not among the chunks of {@code after}. */
    static List<Integer> lost(List<byte[]> before, List<byte[]> after) {
        Set<String> kept = keys(after);
        List<Integer> lost = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) if (!kept.contains(Arrays.toString(before.get(i)))) lost.add(i);
        return lost;
    }

    /**
     * An insertion loses one run of consecutive chunks that starts with the chunk the edit falls
     * in: every chunk ending before the edit survives, and once the cut points meet again they stay
     * together to the end. How long the run is depends on chance (see the example below).
     */
    @Property(tries = 60)
    void anInsertionLosesOneRunOfChunksStartingAtTheEdit(@ForAll long seed, @ForAll @IntRange(min = 0, max = 299_999) int at,
                                                         @ForAll @IntRange(min = 1, max = 5000) int inserted) {
        byte[] data = random(seed, 300_000);
        List<byte[]> before = chunks(data);
        List<Integer> lost = lost(before, chunks(insert(data, at, random(seed + 1, inserted))));
        assertThat(lost).as("an insertion changes at least the chunk it falls in").isNotEmpty();
        long offset = 0;
        int first = -1;
        for (int i = 0; i < before.size() && first < 0; i++) {
            if (offset + before.get(i).length > at) first = i;
            offset += before.get(i).length;
        }
        assertThat(lost.get(0)).as("first chunk lost after inserting %d bytes at %d", inserted, at).isEqualTo(first);
        for (int i = 1; i < lost.size(); i++) {
            assertThat(lost.get(i)).as("lost chunks after inserting %d bytes at %d: %s", inserted, at, lost).isEqualTo(lost.get(i - 1) + 1);
        }
    }

    /**
     * How far an insertion's damage spreads, over a fixed sample of 1000 edits: about two chunks on
     * average (measured 2.05 over 20,000 edits, with a geometric tail). A chunker that resynchronises
     * worse than this fails the example.
     */
    @Example
    void insertionsLoseAboutTwoChunksOnAverage() {
        Random r = new Random(20261121);
        int edits = 1000;
        long total = 0;
        int[] counts = new int[edits];
        for (int t = 0; t < edits; t++) {
            long seed = r.nextLong();
            byte[] data = random(seed, 300_000);
            byte[] changed = insert(data, r.nextInt(data.length), random(seed + 1, 1 + r.nextInt(5000)));
            counts[t] = lost(chunks(data), chunks(changed)).size();
            total += counts[t];
        }
        Arrays.sort(counts);
        assertThat((double) total / edits).as("mean chunks lost per insertion").isLessThan(2.5);
        assertThat(counts[edits * 99 / 100]).as("99th percentile of chunks lost per insertion").isLessThanOrEqualTo(10);
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
