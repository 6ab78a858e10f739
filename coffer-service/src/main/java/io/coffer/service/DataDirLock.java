package io.coffer.service;

import io.coffer.repo.RepositoryException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One server per data directory: an exclusive lock on {@code server.lock}, taken before the
 * catalog is opened and held for the server's life. The operating system drops it when the
 * process ends, however it ends, so a crash never leaves the directory locked. A second server
 * refuses to start instead of reconciling the first one's running jobs as interrupted.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE = "server.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(Path dataDir) throws IOException {
        Path f = dataDir.resolve(FILE);
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new RepositoryException(RepositoryException.Kind.CONFLICT, "the data directory " + dataDir + " is in use by another coffer server"
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; stop that server first, or give this one another --data-dir");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + " on "
                    + ManagementFactory.getRuntimeMXBean().getName().replaceFirst("^\\d+@", "") + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new DataDirLock(ch, lock);
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock in any case
        }
    }
}
