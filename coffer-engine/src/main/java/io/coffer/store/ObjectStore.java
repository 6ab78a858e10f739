package io.coffer.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The whole storage contract of a Coffer repository: a flat namespace of immutable objects.
 *
 * <p>Keys are relative, '/'-separated paths whose segments use only {@code [A-Za-z0-9._-]} and are
 * neither empty, "." nor ".."; an invalid key raises {@link IllegalArgumentException}.
 *
 * <h2>Guarantees every implementation gives</h2>
 * <ul>
 *   <li><b>Write-once, atomic put.</b> After {@link #put} returns, the whole object is durable
 *       (it survives a crash of this process and of the host) and visible. A put interrupted at any
 *       point leaves either no object or the complete object under the key, never a prefix.</li>
 *   <li><b>Read-after-write.</b> A {@link #get}, {@link #stat} or {@link #list} that starts after
 *       {@link #put} returned sees the object; one that starts after {@link #delete} returned does
 *       not.</li>
 *   <li><b>No overwrite.</b> Putting a key that exists raises {@link ObjectExistsException}; all
 *       repository objects are immutable, so content-addressed writers treat it as success.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * Every failure is a {@link StoreException} (an {@link IOException}) that names the key and says
 * whether retrying the same call can help ({@link StoreException#retryable()}):
 * <ul>
 *   <li>{@link ObjectNotFoundException} — the key does not exist (get, stat, delete);</li>
 *   <li>{@link ObjectExistsException} — the key exists (put);</li>
 *   <li>{@link StoreException} with {@code retryable() == true} — a transient fault (timeout,
 *       throttling, connection reset, 5xx); the call had no effect or may be repeated safely;</li>
 *   <li>{@link StoreException} with {@code retryable() == false} — a permanent fault (permission
 *       denied, disk full, bad credentials, malformed response).</li>
 * </ul>
 * Implementations are thread-safe. Retries, fault injection and metrics are decorators; see
 * {@link Stores}.
 */
public interface ObjectStore extends Closeable {

    /**
     * Stores {@code data} (from its position to its limit) under {@code key}, durably and atomically.
     *
     * @throws ObjectExistsException if the key already exists
     * @throws StoreException on any other failure
     */
    void put(String key, ByteBuffer data) throws IOException;

    /**
     * Reads a whole object.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    byte[] get(String key) throws IOException;

    /**
     * Reads {@code length} bytes starting at {@code offset}. Returns fewer bytes only when the
     * object ends before {@code offset + length}; callers that know the expected length must treat
     * a short read as corruption.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    byte[] get(String key, long offset, int length) throws IOException;

    /**
     * Reads {@code length} bytes starting at {@code offset} into {@code dst} from {@code dstOff};
     * returns how many were read, fewer only when the object ends before {@code offset + length}.
     * Lets a caller reuse one buffer for many reads. The default goes through
     * {@link #get(String, long, int)}; a store that can read without the extra copy overrides it.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    default int read(String key, long offset, byte[] dst, int dstOff, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(dstOff, length, dst.length);
        byte[] b = get(key, offset, length);
        System.arraycopy(b, 0, dst, dstOff, b.length);
        return b.length;
    }

    /**
     * A hint that {@code length} bytes at {@code offset} of {@code key} will be read soon: a local
     * store starts reading them into the page cache, so that the read finds them there instead of
     * waiting its turn behind the writes of a restore. Never fails; the default does nothing.
     */
    default void prefetch(String key, long offset, long length) {}

    /**
     * Size of an object.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    ObjectInfo stat(String key) throws IOException;

    /** All objects whose key starts with {@code prefix}, in no particular order. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * Removes an object.
     *
     * @throws ObjectNotFoundException if the key does not exist
     */
    void delete(String key) throws IOException;

    /**
     * Whether each request crosses a network (true unless the store says otherwise). Readers of a
     * remote store keep more requests in flight and fetch larger ranges per request; a local
     * store gets fewer, smaller reads, which keep memory low at the same speed.
     */
    default boolean remote() {
        return true;
    }

    /** Where this store lives, for messages ("local:/srv/repo", "s3://bucket/prefix"). */
    String location();

    @Override
    default void close() throws IOException {}
}
