package io.coffer.repo;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * File mappings that are unmapped when {@link #close} is called, not when the collector finds
 * their buffers: a shared {@code java.lang.foreign.Arena} (final from Java 22) owns them.
 *
 * <p>Why: a server opens a repository for every job, and the index of a 25 GB database maps a
 * 64 MB slot table. With buffers unmapped by the collector, a restore that followed a backup held
 * the backup's table beside its own until the next full collection: 60 MB more at the server's
 * peak (574 MiB against 513).
 *
 * <p>After {@link #close}, a read or write through one of the buffers throws
 * {@link IllegalStateException} (the arena is shared, so closing it waits until no thread is
 * inside an access) instead of touching unmapped memory. Coffer's language level is 21, so the
 * API is reached by reflection; on a Java 21 runtime {@link #open} answers null and callers map
 * as before.
 */
final class MappingArena implements AutoCloseable {
    private static final Api API = Api.load();
    private static final Cleaner CLEANER = Cleaner.create();

    private final Object arena;
    private final Cleaner.Cleanable cleanable;

    private MappingArena(Object owner, Object arena) {
        this.arena = arena;
        this.cleanable = CLEANER.register(owner, () -> closeArena(arena));
    }

    /**
     * A new arena for {@code owner}'s mappings, or null where the runtime has none (Java 21). A
     * shared arena lives until it is closed, so one whose owner is dropped without {@link #close}
     * (a repository nobody closed) is closed when the collector finds the owner, as the buffers
     * of a plain mapping would be unmapped.
     */
    static MappingArena open(Object owner) {
        if (API == null) return null;
        try {
            return new MappingArena(owner, API.ofShared.invoke());
        } catch (Throwable e) {
            return null;
        }
    }

    /** {@code size} bytes of {@code file} at {@code position}, mapped read-write (extending the file). */
    ByteBuffer map(FileChannel file, long position, long size) throws IOException {
        try {
            Object segment = API.map.invoke(file, FileChannel.MapMode.READ_WRITE, position, size, arena);
            return (ByteBuffer) API.asByteBuffer.invoke(segment);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("cannot map " + size + " bytes: " + e, e);
        }
    }

    /** Unmaps every buffer {@link #map} gave. */
    @Override
    public void close() {
        cleanable.clean();
    }

    private static void closeArena(Object arena) {
        try {
            API.close.invoke(arena);
        } catch (Throwable e) {
            // already closed
        }
    }

    private record Api(MethodHandle ofShared, MethodHandle map, MethodHandle asByteBuffer, MethodHandle close) {
        static Api load() {
            if (Runtime.version().feature() < 22) return null;
            try {
                MethodHandles.Lookup l = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                MethodHandle ofShared = l.findStatic(arena, "ofShared", MethodType.methodType(arena)).asType(MethodType.methodType(Object.class));
                MethodHandle map = l.findVirtual(FileChannel.class, "map", MethodType.methodType(segment, FileChannel.MapMode.class, long.class, long.class, arena))
                        .asType(MethodType.methodType(Object.class, FileChannel.class, FileChannel.MapMode.class, long.class, long.class, Object.class));
                MethodHandle asByteBuffer = l.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                        .asType(MethodType.methodType(ByteBuffer.class, Object.class));
                MethodHandle close = l.findVirtual(arena, "close", MethodType.methodType(void.class)).asType(MethodType.methodType(void.class, Object.class));
                return new Api(ofShared, map, asByteBuffer, close);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
