package io.coffer.store;

import io.coffer.sys.AlignedIo;
import io.coffer.sys.Posix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An object store in a directory of the local filesystem.
 *
 * <p>Durability: a put writes {@code tmp/<random>}, fsyncs it, links it to its final name (which
 * fails if the name exists, giving write-once semantics atomically), removes the temporary name and
 * fsyncs the final directory; directories it creates are fsynced into their parents. A crash leaves
 * at most a file in {@code tmp/}, which is never listed and is removed on open once it is a day old.
 *
 * <p>Sharding: a key whose last segment is a long hex name ({@code data/3fa2…}) lives in a
 * sub-directory named by its first two characters ({@code data/3f/3fa2…}), so no directory holds
 * more than a few thousand entries. Keys are unaffected: listing returns {@code data/3fa2…}.
 */
public final class LocalObjectStore implements ObjectStore {
    static final String TMP = "tmp";
    private static final Duration STALE_TMP = Duration.ofHours(24);
    private final Path root;
    private final Path tmp;

    private LocalObjectStore(Path root) {
        this.root = root;
        this.tmp = root.resolve(TMP);
    }

    /** Opens (creating if needed) a store rooted at {@code dir}. */
    public static LocalObjectStore open(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root.resolve(TMP));
        } catch (IOException e) {
            throw new StoreException(null, "cannot create repository directory " + root + ": " + describe(e), false, e);
        }
        LocalObjectStore store = new LocalObjectStore(root);
        store.removeStaleTemporaries();
        return store;
    }

    public Path root() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    @Override
    public void put(String key, ByteBuffer data) throws IOException {
        Path target = pathOf(Keys.check(key));
        Path temp = tmp.resolve(UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeInSlices(ch, data.duplicate());
                ch.force(true);
            }
            Path dir = target.getParent();
            if (!Files.isDirectory(dir)) createDirectoriesDurably(dir);
            try {
                Files.createLink(target, temp);
                Files.delete(temp);
            } catch (UnsupportedOperationException e) {
                // Filesystems without hard links: check-then-rename (not atomic against a concurrent put).
                if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString());
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            fsyncDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ObjectExistsException(location(), key);
        } catch (IOException e) {
            throw translate(key, "write", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeInSlices(FileChannel ch, ByteBuffer buf) throws IOException {
        AlignedIo.write(ch, buf); // page-aligned, 256 KiB a call (AlignedIo)
    }

    @Override
    public byte[] get(String key) throws IOException {
        try (FileChannel ch = FileChannel.open(pathOf(Keys.check(key)), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) throw new StoreException(key, "object " + key + " is too large to read whole", false);
            byte[] out = new byte[(int) size];
            int n = AlignedIo.read(ch, 0, out, 0, out.length);
            return n == out.length ? out : java.util.Arrays.copyOf(out, n);
        } catch (IOException e) {
            throw translate(key, "read", e);
        }
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("bad range " + offset + "+" + length + " for " + key);
        try (FileChannel ch = FileChannel.open(pathOf(Keys.check(key)), StandardOpenOption.READ)) {
            byte[] out = new byte[(int) Math.max(0, Math.min(length, ch.size() - offset))];
            int n = readFully(ch, offset, out, 0, out.length);
            return n == out.length ? out : java.util.Arrays.copyOf(out, n);
        } catch (IOException e) {
            throw translate(key, "read", e);
        }
    }

    @Override
    public int read(String key, long offset, byte[] dst, int dstOff, int length) throws IOException {
        if (offset < 0 || length < 0) throw new IllegalArgumentException("bad range " + offset + "+" + length + " for " + key);
        java.util.Objects.checkFromIndexSize(dstOff, length, dst.length);
        try (FileChannel ch = FileChannel.open(pathOf(Keys.check(key)), StandardOpenOption.READ)) {
            return readFully(ch, offset, dst, dstOff, (int) Math.max(0, Math.min(length, ch.size() - offset)));
        } catch (IOException e) {
            throw translate(key, "read", e);
        }
    }

    @Override
    public void prefetch(String key, long offset, long length) {
        Path p;
        try {
            p = pathOf(Keys.check(key));
        } catch (RuntimeException e) {
            return; // a bad key: the read itself says so
        }
        int fd = Posix.openRead(p);
        if (fd < 0) return;
        try {
            Posix.fadvise(fd, offset, length, Posix.POSIX_FADV_WILLNEED);
        } finally {
            Posix.close(fd);
        }
    }

    /** Reads up to {@code n} bytes at {@code pos}; stops early only at the end. */
    private static int readFully(FileChannel ch, long pos, byte[] dst, int off, int n) throws IOException {
        return AlignedIo.read(ch, pos, dst, off, n);
    }

    @Override
    public boolean remote() {
        return false;
    }

    @Override
    public ObjectInfo stat(String key) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(pathOf(Keys.check(key)), BasicFileAttributes.class);
            return new ObjectInfo(key, a.size());
        } catch (IOException e) {
            throw translate(key, "stat", e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        Keys.checkPrefix(prefix);
        int slash = prefix.lastIndexOf('/');
        String dirKey = slash < 0 ? "" : prefix.substring(0, slash);
        Path start = dirKey.isEmpty() ? root : root.resolve(dirKey);
        List<ObjectInfo> out = new ArrayList<>();
        if (!Files.isDirectory(start)) return out;
        try {
            walk(start, dirKey, prefix, out);
        } catch (IOException e) {
            throw translate(prefix, "list", e);
        }
        return out;
    }

    private void walk(Path dir, String dirKey, String prefix, List<ObjectInfo> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (dirKey.isEmpty() && name.equals(TMP)) continue;
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    continue; // deleted concurrently
                }
                if (a.isDirectory()) {
                    if (isShardDir(name)) {
                        walkShard(p, dirKey, prefix, out);
                    } else {
                        String childKey = dirKey.isEmpty() ? name : dirKey + "/" + name;
                        if (childKey.startsWith(prefix) || prefix.startsWith(childKey + "/")) walk(p, childKey, prefix, out);
                    }
                } else if (a.isRegularFile()) {
                    String key = dirKey.isEmpty() ? name : dirKey + "/" + name;
                    if (key.startsWith(prefix)) out.add(new ObjectInfo(key, a.size()));
                }
            }
        }
    }

    private void walkShard(Path shard, String dirKey, String prefix, List<ObjectInfo> out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard)) {
            for (Path p : ds) {
                String key = dirKey.isEmpty() ? p.getFileName().toString() : dirKey + "/" + p.getFileName();
                if (!key.startsWith(prefix)) continue;
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) out.add(new ObjectInfo(key, a.size()));
                } catch (NoSuchFileException gone) {
                    // deleted concurrently
                }
            }
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Path p = pathOf(Keys.check(key));
        try {
            Files.delete(p);
            fsyncDirectory(p.getParent());
        } catch (IOException e) {
            throw translate(key, "delete", e);
        }
    }

    /** Maps a key to its file, inserting the shard directory for long hex names. */
    Path pathOf(String key) {
        int slash = key.lastIndexOf('/');
        String name = key.substring(slash + 1);
        if (isShardedName(name)) {
            String parent = slash < 0 ? "" : key.substring(0, slash + 1);
            return root.resolve(parent + name.substring(0, 2) + "/" + name);
        }
        return root.resolve(key);
    }

    static boolean isShardedName(String name) {
        if (name.length() < 32) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    private static boolean isShardDir(String name) {
        return name.length() == 2 && isHex(name.charAt(0)) && isHex(name.charAt(1));
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    private void createDirectoriesDurably(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (parent != null && !Files.isDirectory(parent)) createDirectoriesDurably(parent);
        try {
            Files.createDirectory(dir);
            fsyncDirectory(parent);
        } catch (FileAlreadyExistsException raced) {
            // another writer created it
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private void removeStaleTemporaries() {
        Instant cutoff = Instant.now().minus(STALE_TMP);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                try {
                    if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temporary file is garbage either way
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private StoreException translate(String key, String op, IOException e) {
        if (e instanceof StoreException se) return se;
        if (e instanceof NoSuchFileException) return new ObjectNotFoundException(location(), key);
        if (e instanceof FileAlreadyExistsException) return new ObjectExistsException(location(), key);
        String why = e instanceof AccessDeniedException ? "permission denied" : describe(e);
        return new StoreException(key, "cannot " + op + " object " + key + " in " + location() + ": " + why, false, e);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
