package io.coffer.backup;

import io.coffer.sys.Posix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file holds data, as the file system reports it ({@code lseek} with {@code SEEK_DATA} and
 * {@code SEEK_HOLE}), so that a backup of a sparse image does not read its holes. Reading a hole
 * costs the kernel a zeroed page-cache page per 4 KiB: a 2 GiB image with 100 MiB of data took
 * 4.8 s of system time to read whole.
 *
 * <p>Needs {@link Posix} (a Java 22 or later runtime on Linux). Anywhere else {@link #of} answers
 * null and the caller reads everything, as before; the answer is only ever an optimisation, since
 * what lies in a hole reads as zeros and is stored as a zero run either way.
 */
final class DataExtents {
    private DataExtents() {}

    /**
     * The data extents of a file from {@code from} to {@code to} (-1: to its end).
     *
     * @param end where the range ends: {@code to}, or the file's size when {@code to} is -1
     * @param data {start, end} pairs in order, within the range; they may cover more than the
     *             data (a file system may report a whole file as data), never less
     */
    record Map(long end, List<long[]> data) {
        /** This map cut to [from, to) (to = -1: to its end). */
        Map clip(long from, long to) {
            long e = to < 0 ? end : Math.min(to, end);
            List<long[]> out = new ArrayList<>();
            for (long[] d : data) {
                long a = Math.max(d[0], from), b = Math.min(d[1], e);
                if (a < b) out.add(new long[] {a, b});
            }
            return new Map(Math.max(e, from), out);
        }

        /** True when the map shows no hole in [from, end). */
        boolean dense(long from) {
            return data.size() == 1 && data.get(0)[0] <= from && data.get(0)[1] >= end;
        }
    }

    /** The map of [from, to) of a file, or null when the file system cannot tell. */
    static Map of(Path file, long from, long to) {
        if (!Posix.available() || (to >= 0 && to <= from)) return null;
        int fd = Posix.openRead(file);
        if (fd < 0) return null;
        try {
            long end = to;
            if (end < 0) {
                end = Posix.lseek(fd, 0, Posix.SEEK_END);
                if (end < 0) return null;
            }
            List<long[]> out = new ArrayList<>();
            long pos = from;
            while (pos < end) {
                long data = Posix.lseek(fd, pos, Posix.SEEK_DATA);
                if (data < 0) {
                    // ENXIO: no data at or after pos. No errno here, so make sure: pos must then
                    // lie in a hole (SEEK_HOLE answers pos itself); anything else, and the range
                    // is read.
                    if (Posix.lseek(fd, pos, Posix.SEEK_HOLE) != pos) return null;
                    break;
                }
                if (data >= end) break;
                long hole = Posix.lseek(fd, data, Posix.SEEK_HOLE);
                if (hole <= data) return null;
                out.add(new long[] {data, Math.min(hole, end)});
                pos = hole;
            }
            return new Map(end, out);
        } finally {
            Posix.close(fd);
        }
    }
}
