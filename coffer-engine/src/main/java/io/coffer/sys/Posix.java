package io.coffer.sys;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few POSIX calls the JDK does not offer, or offers only at two more system calls a file:
 * {@code lseek} with {@code SEEK_DATA}/{@code SEEK_HOLE} (where a sparse file holds data) and
 * {@code utimensat} by path (the JDK opens the file, sets its times through the descriptor and
 * closes it again: two calls more for each of a restore's files), and {@code fstatat} relative to
 * an open directory (the JDK's "unix" attribute view builds a path, a map and a dozen boxed
 * values for every file it stats: a third of a no-change backup's tree walk), and {@code readlink}
 * and {@code symlink} with a target's exact bytes (see {@link FileNames}).
 *
 * <p>They go through the foreign-function API, final from Java 22. Coffer's language level is 21,
 * so the API is reached by reflection, into method handles made when each call is first used;
 * the calls pass Java arrays straight to the kernel ({@code Linker.Option.critical}), so nothing
 * is allocated off-heap. On a Java 21 runtime, or off Linux, {@link #available()} is false and
 * every call answers "cannot" (a holder's handle is null then), and callers do what they did
 * before. A call that fails for any reason answers the same, so a caller falls back to the JDK
 * and its error messages.
 */
public final class Posix {
    public static final int SEEK_END = 2;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int O_DIRECTORY = 0x10000;
    private static final int O_NOFOLLOW = 0x20000;
    /**
     * {@code struct stat} as longs, for the one layout read here: x86-64 Linux (144 bytes). On
     * every other architecture {@link #statAt} answers "cannot" and callers use the JDK.
     */
    public static final int STAT_LONGS = 18;

    /** The foreign-function API, or null where it is missing. */
    private static final Api API = Api.load();

    private Posix() {}

    public static boolean available() {
        return API != null;
    }

    /*
     * One holder class per call, so that a downcall handle is made when its call is first used:
     * making one spins hidden classes (a stub and its method-handle forms), and a restore, which
     * calls utimensat only, made all five (78 classes spun in a pg restore, 50 now; the first
     * handle costs most, 55-90 ms, since the others share its forms). Making it on a thread of
     * its own while the repository opens did not help: both cores are busy then.
     */
    private static final class Open {
        static final MethodHandle H = Api.link("open", Api.INT, Api.ADDRESS, Api.INT);
    }

    private static final class Close {
        static final MethodHandle H = Api.link("close", Api.INT, Api.INT);
    }

    private static final class Allocate {
        // not critical: it takes no arrays, and allocating gigabytes may take a while
        static final MethodHandle H = API == null ? null : Api.link(API.lookup, false, "posix_fallocate", Api.INT, Api.INT, Api.LONG, Api.LONG);
    }

    private static final class Seek {
        static final MethodHandle H = Api.link("lseek", Api.LONG, Api.INT, Api.LONG, Api.INT);
    }

    private static final class FAdvise {
        static final MethodHandle H = Api.link("posix_fadvise", Api.INT, Api.INT, Api.LONG, Api.LONG, Api.INT);
    }

    private static final class Utimens {
        static final MethodHandle H = Api.link("utimensat", Api.INT, Api.INT, Api.ADDRESS, Api.ADDRESS, Api.INT);
    }

    private static final class ReadLink {
        static final MethodHandle H = Api.link("readlink", Api.LONG, Api.ADDRESS, Api.ADDRESS, Api.LONG);
    }

    private static final class SymLink {
        static final MethodHandle H = Api.link("symlink", Api.INT, Api.ADDRESS, Api.ADDRESS);
    }

    private static final class ListXattr {
        static final MethodHandle H = Api.link("llistxattr", Api.LONG, Api.ADDRESS, Api.ADDRESS, Api.LONG);
    }

    private static final class GetXattr {
        static final MethodHandle H = Api.link("lgetxattr", Api.LONG, Api.ADDRESS, Api.ADDRESS, Api.ADDRESS, Api.LONG);
    }

    private static final class SetXattr {
        static final MethodHandle H = Api.link("lsetxattr", Api.INT, Api.ADDRESS, Api.ADDRESS, Api.ADDRESS, Api.LONG, Api.INT);
    }

    private static final class StatAt {
        /** glibc's own function since 2.33; null before, and on any layout but x86-64's */
        static final MethodHandle H = System.getProperty("os.arch", "").equals("amd64")
                ? Api.link("fstatat", Api.INT, Api.INT, Api.ADDRESS, Api.ADDRESS, Api.INT) : null;
    }

    /** Opens a file read-only; -1 when it cannot (or when the API is missing). */
    public static int openRead(Path p) {
        if (Open.H == null) return -1;
        try {
            return (int) Open.H.invokeExact(API.array(cString(p)), O_RDONLY | O_CLOEXEC);
        } catch (Throwable e) {
            return -1;
        }
    }

    /**
     * Opens a directory to stat its entries with {@link #statAt}, not following a symlink; -1 when
     * it cannot, or when {@link #statAt} would not work here.
     */
    public static int openDirectory(Path dir) {
        if (StatAt.H == null || Open.H == null) return -1;
        try {
            return (int) Open.H.invokeExact(API.array(cString(dir)), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } catch (Throwable e) {
            return -1;
        }
    }

    /**
     * {@code fstatat(dirFd, name, st, AT_SYMLINK_NOFOLLOW)} into {@code st} ({@link #STAT_LONGS}
     * longs, read with {@link Stat}); false when it failed for any reason (the caller asks the JDK,
     * whose error says why).
     */
    public static boolean statAt(int dirFd, String name, long[] st) {
        if (dirFd < 0 || st.length < STAT_LONGS || StatAt.H == null) return false;
        try {
            return (int) StatAt.H.invokeExact(dirFd, API.array(cString(name)), API.array(st), AT_SYMLINK_NOFOLLOW) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** The fields of a {@code struct stat} filled by {@link #statAt} (x86-64 Linux layout, little-endian). */
    public static final class Stat {
        private Stat() {}

        public static long dev(long[] st) {
            return st[0];
        }

        public static long ino(long[] st) {
            return st[1];
        }

        public static int nlink(long[] st) {
            return (int) st[2];
        }

        public static int mode(long[] st) {
            return (int) st[3];
        }

        public static int uid(long[] st) {
            return (int) (st[3] >>> 32);
        }

        public static int gid(long[] st) {
            return (int) st[4];
        }

        public static long rdev(long[] st) {
            return st[5];
        }

        public static long size(long[] st) {
            return st[6];
        }

        /** Modification time in nanoseconds since the epoch. */
        public static long mtime(long[] st) {
            return Math.addExact(Math.multiplyExact(st[11], 1_000_000_000L), st[12]);
        }

        /** Status change time in nanoseconds since the epoch. */
        public static long ctime(long[] st) {
            return Math.addExact(Math.multiplyExact(st[13], 1_000_000_000L), st[14]);
        }
    }

    /**
     * Allocates the first {@code length} bytes of a file on disk where it has holes, leaving its
     * data as it is ({@code posix_fallocate}; a symlink is not followed). Returns 0 when done,
     * the error number when refused (28: no space left), -1 when it cannot be asked here.
     */
    public static int allocate(Path p, long length) {
        return allocate(p, new long[] {0, length});
    }

    /** As {@link #allocate(Path, long)}, for each range of {@code startEnd} (start and end offsets in pairs). */
    public static int allocate(Path p, long[] startEnd) {
        if (Allocate.H == null || Open.H == null || Close.H == null) return -1;
        int fd;
        try {
            fd = (int) Open.H.invokeExact(API.array(cString(p)), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        } catch (Throwable e) {
            return -1;
        }
        if (fd < 0) return -1;
        try {
            for (int i = 0; i + 1 < startEnd.length; i += 2) {
                long length = startEnd[i + 1] - startEnd[i];
                if (length <= 0) continue;
                int rc = (int) Allocate.H.invokeExact(fd, startEnd[i], length);
                if (rc != 0) return rc;
            }
            return 0;
        } catch (Throwable e) {
            return -1;
        } finally {
            close(fd);
        }
    }

    /** {@code lseek(fd, offset, whence)}; -1 on any error (errno is not kept). */
    public static long lseek(int fd, long offset, int whence) {
        if (Seek.H == null) return -1;
        try {
            return (long) Seek.H.invokeExact(fd, offset, whence);
        } catch (Throwable e) {
            return -1;
        }
    }

    public static final int POSIX_FADV_WILLNEED = 3;

    /** {@code posix_fadvise(fd, offset, length, advice)}; false on any error. */
    public static boolean fadvise(int fd, long offset, long length, int advice) {
        if (FAdvise.H == null || fd < 0) return false;
        try {
            return (int) FAdvise.H.invokeExact(fd, offset, length, advice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    public static void close(int fd) {
        if (Close.H == null) return;
        try {
            int ignored = (int) Close.H.invokeExact(fd);
        } catch (Throwable e) {
            // nothing to do: the descriptor is gone either way
        }
    }

    /**
     * Sets a file's access and modification times (nanoseconds since the epoch), not following a
     * final symlink; true when done, false when the caller must do it another way.
     */
    public static boolean utimens(Path p, long atimeNanos, long mtimeNanos) {
        if (Utimens.H == null) return false;
        long[] ts = {Math.floorDiv(atimeNanos, 1_000_000_000L), Math.floorMod(atimeNanos, 1_000_000_000L),
                Math.floorDiv(mtimeNanos, 1_000_000_000L), Math.floorMod(mtimeNanos, 1_000_000_000L)};
        try {
            return (int) Utimens.H.invokeExact(AT_FDCWD, API.array(cString(p)), API.array(ts), AT_SYMLINK_NOFOLLOW) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * A symlink's target, its exact bytes (the JDK's {@code readSymbolicLink} gives a path, whose
     * string has lost the bytes that are not UTF-8); null when it cannot be read this way.
     */
    public static byte[] readlink(Path link) {
        if (ReadLink.H == null) return null;
        try {
            byte[] buf = new byte[4096]; // PATH_MAX: Linux refuses longer targets
            long n = (long) ReadLink.H.invokeExact(API.array(cString(link)), API.array(buf), (long) buf.length);
            if (n < 0 || n >= buf.length) return null;
            byte[] t = new byte[(int) n];
            System.arraycopy(buf, 0, t, 0, t.length);
            return t;
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Creates the symlink {@code link} with exactly the target {@code target} (the JDK's {@code
     * createSymbolicLink} takes a path, which drops a trailing or doubled '/', and cannot hold a name
     * that is not UTF-8); false when it cannot be done this way, and the caller asks the JDK.
     */
    public static boolean symlink(byte[] target, Path link) {
        if (SymLink.H == null) return false;
        try {
            return (int) SymLink.H.invokeExact(API.array(cString(target)), API.array(cString(link))) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** True when the extended-attribute calls below work here (Java 22+ on Linux). */
    public static boolean xattrs() {
        return ListXattr.H != null && GetXattr.H != null;
    }

    /**
     * The names of a file's extended attributes, not following a symlink, each as the kernel's
     * bytes; empty when it has none or its file system has none; null when they cannot be listed.
     */
    public static List<byte[]> listXattrs(Path p) {
        if (ListXattr.H == null) return null;
        try {
            byte[] path = cString(p);
            byte[] buf = new byte[1024];
            long n = (long) ListXattr.H.invokeExact(API.array(path), API.array(buf), (long) buf.length);
            if (n < 0) { // ERANGE (the list is longer) or a real error: ask for the length
                long need = (long) ListXattr.H.invokeExact(API.array(path), API.array(new byte[1]), 0L);
                if (need <= buf.length) return need < 0 ? null : List.of();
                buf = new byte[(int) need + 256];
                n = (long) ListXattr.H.invokeExact(API.array(path), API.array(buf), (long) buf.length);
                if (n < 0) return null;
            }
            List<byte[]> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] != 0) continue;
                if (i > start) names.add(Arrays.copyOfRange(buf, start, i));
                start = i + 1;
            }
            return names;
        } catch (Throwable e) {
            return null;
        }
    }

    /** The value of a file's extended attribute {@code name}, not following a symlink; null when it cannot be read. */
    public static byte[] getXattr(Path p, byte[] name) {
        if (GetXattr.H == null) return null;
        try {
            byte[] path = cString(p), cname = cString(name);
            byte[] buf = new byte[256];
            long n = (long) GetXattr.H.invokeExact(API.array(path), API.array(cname), API.array(buf), (long) buf.length);
            if (n < 0) {
                long need = (long) GetXattr.H.invokeExact(API.array(path), API.array(cname), API.array(new byte[1]), 0L);
                if (need < 0 || need <= buf.length) return null;
                buf = new byte[(int) need];
                n = (long) GetXattr.H.invokeExact(API.array(path), API.array(cname), API.array(buf), (long) buf.length);
                if (n < 0) return null;
            }
            return Arrays.copyOf(buf, (int) n);
        } catch (Throwable e) {
            return null;
        }
    }

    /** Sets a file's extended attribute, not following a symlink; false when it could not (not permitted, not supported). */
    public static boolean setXattr(Path p, byte[] name, byte[] value) {
        if (SetXattr.H == null) return false;
        try {
            byte[] v = value.length == 0 ? new byte[1] : value; // a segment of no bytes would still need an address
            return (int) SetXattr.H.invokeExact(API.array(cString(p)), API.array(cString(name)), API.array(v), (long) value.length, 0) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /** The path as the kernel wants it: its exact bytes ({@link FileNames}), NUL-terminated. */
    private static byte[] cString(Path p) {
        return cString(FileNames.bytes(p));
    }

    private static byte[] cString(String name) {
        return cString(FileNames.encode(name));
    }

    private static byte[] cString(byte[] s) {
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return z;
    }

    /**
     * java.lang.foreign reached by reflection (language level 21), typed with Object where its
     * classes would appear: the linker, the C library's symbols, and array-to-segment handles.
     */
    record Api(Object linker, Object lookup, Method find, Method of, Method downcall, Object options, Class<?> layoutC,
            Object jint, Object jlong, Object address, MethodHandle ofBytes, MethodHandle ofLongs, Method libraryLookup,
            Object globalArena, Method ofConfined, Method allocate, Method asByteBuffer, Object noOptions) {
        static final int INT = 0;
        static final int LONG = 1;
        static final int ADDRESS = 2;

        Object array(byte[] b) throws Throwable {
            return ofBytes.invokeExact(b);
        }

        Object array(long[] l) throws Throwable {
            return ofLongs.invokeExact(l);
        }

        static Api load() {
            if (Runtime.version().feature() < 22 || !System.getProperty("os.name", "").startsWith("Linux")) return null;
            try {
                Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
                Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
                Class<?> valueC = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> segC = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> optC = Class.forName("java.lang.foreign.Linker$Option");
                Object linker = linkerC.getMethod("nativeLinker").invoke(null);
                Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
                Method find = Class.forName("java.lang.foreign.SymbolLookup").getMethod("find", String.class);
                Method of = descC.getMethod("of", layoutC, layoutC.arrayType());
                Method downcall = linkerC.getMethod("downcallHandle", segC, descC, optC.arrayType());
                // critical(true): short calls that may read Java arrays in place
                Object critical = optC.getMethod("critical", boolean.class).invoke(null, true);
                Object options = Array.newInstance(optC, 1);
                Array.set(options, 0, critical);
                var lk = java.lang.invoke.MethodHandles.publicLookup();
                MethodHandle ofBytes = lk.findStatic(segC, "ofArray", MethodType.methodType(segC, byte[].class))
                        .asType(MethodType.methodType(Object.class, byte[].class));
                MethodHandle ofLongs = lk.findStatic(segC, "ofArray", MethodType.methodType(segC, long[].class))
                        .asType(MethodType.methodType(Object.class, long[].class));
                Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
                Method libraryLookup = Class.forName("java.lang.foreign.SymbolLookup").getMethod("libraryLookup", String.class, arenaC);
                Method allocate = Class.forName("java.lang.foreign.SegmentAllocator").getMethod("allocate", long.class);
                return new Api(linker, lookup, find, of, downcall, options, layoutC, valueC.getField("JAVA_INT").get(null),
                        valueC.getField("JAVA_LONG").get(null), valueC.getField("ADDRESS").get(null), ofBytes, ofLongs,
                        libraryLookup, arenaC.getMethod("global").invoke(null), arenaC.getMethod("ofConfined"), allocate,
                        segC.getMethod("asByteBuffer"), Array.newInstance(optC, 0));
            } catch (Throwable e) { // no foreign-function API here: callers use the JDK's calls
                return null;
            }
        }

        /**
         * A downcall handle for the C library's {@code name} (return and argument types as {@link
         * #INT}, {@link #LONG} or {@link #ADDRESS}), or null when the API or the symbol is missing.
         */
        static MethodHandle link(String name, int ret, int... args) {
            return API == null ? null : link(API.lookup, true, name, ret, args);
        }

        /**
         * The same for a symbol of {@code lookup} (see {@link #library}); a call that is not
         * {@code critical} takes native segments only, and may block and run long.
         */
        static MethodHandle link(Object lookup, boolean critical, String name, int ret, int... args) {
            if (API == null || lookup == null) return null;
            try {
                Object layouts = Array.newInstance(API.layoutC, args.length);
                for (int i = 0; i < args.length; i++) Array.set(layouts, i, API.layout(args[i]));
                Object desc = API.of.invoke(null, API.layout(ret), layouts);
                java.util.Optional<?> symbol = (java.util.Optional<?>) API.find.invoke(lookup, name);
                if (symbol.isEmpty()) return null;
                MethodHandle h = (MethodHandle) API.downcall.invoke(API.linker, symbol.get(), desc, critical ? API.options : API.noOptions);
                // MemorySegment parameters are seen as Object from here
                return h.asType(objects(h.type()));
            } catch (Throwable e) {
                return null;
            }
        }

        /** The symbols of the shared library {@code name}, loaded for good; null when it cannot be loaded. */
        static Object library(String name) {
            if (API == null) return null;
            try {
                return API.libraryLookup.invoke(null, name, API.globalArena);
            } catch (Throwable e) {
                return null;
            }
        }

        /** A confined arena (an {@link AutoCloseable}) for the native segments of one call. */
        static AutoCloseable arena() throws Throwable {
            return (AutoCloseable) API.ofConfined.invoke(null);
        }

        /** A native segment of {@code bytes} bytes (at least one) in {@code arena}. */
        static Object allocate(AutoCloseable arena, long bytes) throws Throwable {
            return API.allocate.invoke(arena, Math.max(1, bytes));
        }

        /** The segment's bytes as a buffer: how they are filled and read from here. */
        static java.nio.ByteBuffer bytes(Object segment) throws Throwable {
            return (java.nio.ByteBuffer) API.asByteBuffer.invoke(segment);
        }

        private Object layout(int type) {
            return type == INT ? jint : type == LONG ? jlong : address;
        }
    }

    /** The method type of {@code t} with every reference parameter and result as Object and primitives kept. */
    private static MethodType objects(MethodType t) {
        MethodType out = t.returnType().isPrimitive() ? t : t.changeReturnType(Object.class);
        for (int i = 0; i < t.parameterCount(); i++) {
            if (!t.parameterType(i).isPrimitive()) out = out.changeParameterType(i, Object.class);
        }
        return out;
    }
}
