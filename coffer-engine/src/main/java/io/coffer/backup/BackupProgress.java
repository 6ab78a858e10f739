package io.coffer.backup;

import java.util.concurrent.atomic.AtomicLong;

/** Live counters of a running backup, readable from any thread. */
public final class BackupProgress {
    final AtomicLong filesSeen = new AtomicLong();
    final AtomicLong filesDone = new AtomicLong();
    final AtomicLong bytesSeen = new AtomicLong();
    final AtomicLong bytesDone = new AtomicLong();
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong filesUnchanged = new AtomicLong();
    final AtomicLong dirs = new AtomicLong();
    final AtomicLong others = new AtomicLong();
    final AtomicLong zeroBytes = new AtomicLong();
    final AtomicLong excluded = new AtomicLong();
    volatile boolean scanDone;

    public long filesSeen() { return filesSeen.get(); }
    public long filesDone() { return filesDone.get(); }
    public long bytesSeen() { return bytesSeen.get(); }
    public long bytesDone() { return bytesDone.get(); }
    public long bytesRead() { return bytesRead.get(); }
    public boolean scanDone() { return scanDone; }
    /** Entries left out by the exclude patterns or for being on another file system (what lies below them is not counted). */
    public long excluded() { return excluded.get(); }
}
