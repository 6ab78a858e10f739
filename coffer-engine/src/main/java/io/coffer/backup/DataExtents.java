package io.coffer.backup;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file holds data, as the file system reports it ({@code lseek} with {@code SEEK_DATA} and
 * {@code SEEK_HOLE}), so that a backup of a sparse image does not read its holes. Reading a hole
 * costs the kernel a zeroed page-cache page per 4 KiB: a 2 GiB image with 100 MiB of data took
 * 4.8 s of system time to read whole.
 *
 * <p>The JDK has no call for this; the foreign-function API does it, and it is final from Java 22
 * on. Coffer's language level is 21, so the API is reached by reflection, once, and only on a
 * Java 22 or later runtime on Linux. Anywhere else {@link #of} answers null and the caller reads
 * everything, as before; the answer is only ever an optimisation, since what lies in a hole reads
 * as zeros and is stored as a zero run either way.
 */
final class DataExtents {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SEEK_END = 2;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;

    private static final Native NATIVE = Native.load();

    private DataExtents() {}

    /**
     * The data extents of a file from {@code from} to {@code to} (-1: to its end), or null when
     * the file system cannot tell (the whole range must then be read).
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

    static Map of(Path file, long from, long to) {
        Native n = NATIVE;
        if (n == null || (to >= 0 && to <= from)) return null;
        try {
            return n.extents(file, from, to);
        } catch (Throwable e) { // the file is then read whole, which reports any real trouble
            return null;
        }
    }

    /** The downcalls open, lseek and close, made through java.lang.foreign by reflection. */
    private record Native(MethodHandle open, MethodHandle lseek, MethodHandle close, Method newArena, Method allocate, Method closeArena) {
        static Native load() {
            if (Runtime.version().feature() < 22 || !System.getProperty("os.name", "").startsWith("Linux")) return null;
            try {
                Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
                Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueC = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> segC = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> optC = Class.forName("java.lang.foreign.Linker$Option");
                Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
                Class<?> allocC = Class.forName("java.lang.foreign.SegmentAllocator");
                Object linker = linkerC.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
                Method find = Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class);
                Object jint = valueC.getField("JAVA_INT").get(null);
                Object jlong = valueC.getField("JAVA_LONG").get(null);
                Object addr = valueC.getField("ADDRESS").get(null);
                Method of = descC.getMethod("of", layoutC, layoutC.arrayType());
                Method downcall = linkerC.getMethod("downcallHandle", segC, descC, optC.arrayType());
                Object noOptions = Array.newInstance(optC, 0);
                java.util.function.BiFunction<String, Object, MethodHandle> handle = (name, desc) -> {
                    try {
                        Object symbol = ((java.util.Optional<?>) find.invoke(lookup, name)).orElseThrow();
                        return (MethodHandle) downcall.invoke(linker, symbol, desc, noOptions);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                };
                Object[] addrInt = (Object[]) Array.newInstance(layoutC, 2);
                addrInt[0] = addr;
                addrInt[1] = jint;
                Object[] intLongInt = (Object[]) Array.newInstance(layoutC, 3);
                intLongInt[0] = jint;
                intLongInt[1] = jlong;
                intLongInt[2] = jint;
                Object[] oneInt = (Object[]) Array.newInstance(layoutC, 1);
                oneInt[0] = jint;
                MethodHandle open = handle.apply("open", of.invoke(null, jint, addrInt));
                MethodHandle lseek = handle.apply("lseek", of.invoke(null, jlong, intLongInt));
                MethodHandle close = handle.apply("close", of.invoke(null, jint, oneInt));
                return new Native(open, lseek, close, arenaC.getMethod("ofConfined"),
                        allocC.getMethod("allocateFrom", String.class), arenaC.getMethod("close"));
            } catch (Throwable e) { // no foreign-function API here: files are read whole
                return null;
            }
        }

        Map extents(Path file, long from, long to) throws Throwable {
            int fd;
            Object arena = newArena.invoke(null);
            try {
                fd = (int) open.invokeWithArguments(allocate.invoke(arena, file.toString()), O_RDONLY | O_CLOEXEC);
            } finally {
                closeArena.invoke(arena);
            }
            if (fd < 0) return null;
            try {
                long end = to;
                if (end < 0) {
                    end = (long) lseek.invokeWithArguments(fd, 0L, SEEK_END);
                    if (end < 0) return null;
                }
                List<long[]> out = new ArrayList<>();
                long pos = from;
                while (pos < end) {
                    long data = (long) lseek.invokeWithArguments(fd, pos, SEEK_DATA);
                    if (data < 0) {
                        // ENXIO: no data at or after pos. No errno here, so make sure: pos must
                        // then lie in a hole (SEEK_HOLE answers pos itself); anything else, and
                        // the range is read.
                        long hole = (long) lseek.invokeWithArguments(fd, pos, SEEK_HOLE);
                        if (hole != pos) return null;
                        break;
                    }
                    if (data >= end) break;
                    long hole = (long) lseek.invokeWithArguments(fd, data, SEEK_HOLE);
                    if (hole <= data) return null;
                    out.add(new long[] {data, Math.min(hole, end)});
                    pos = hole;
                }
                return new Map(end, out);
            } finally {
                close.invokeWithArguments(fd);
            }
        }
    }
}
