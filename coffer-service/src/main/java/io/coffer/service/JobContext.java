package io.coffer.service;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** What a running job reports while it works: live counters, read by the progress sampler. */
final class JobContext {
    final String jobId;
    final AtomicLong bytesDone = new AtomicLong();
    final AtomicLong bytesTotal = new AtomicLong();
    final AtomicLong filesDone = new AtomicLong();
    final AtomicLong filesTotal = new AtomicLong();
    volatile LongSupplier liveBytesDone;
    volatile LongSupplier liveBytesTotal;
    volatile LongSupplier liveFilesDone;
    volatile LongSupplier liveFilesTotal;
    volatile Thread thread;
    volatile boolean cancelled;

    JobContext(String jobId) {
        this.jobId = jobId;
    }

    /** Points the counters at a running engine operation. */
    void track(LongSupplier bd, LongSupplier bt, LongSupplier fd, LongSupplier ft) {
        liveBytesDone = bd;
        liveBytesTotal = bt;
        liveFilesDone = fd;
        liveFilesTotal = ft;
    }

    long[] sample() {
        LongSupplier bd = liveBytesDone;
        if (bd == null) return new long[] {bytesDone.get(), bytesTotal.get(), filesDone.get(), filesTotal.get()};
        return new long[] {bd.getAsLong(), liveBytesTotal.getAsLong(), liveFilesDone.getAsLong(), liveFilesTotal.getAsLong()};
    }

    void checkCancelled() throws java.io.InterruptedIOException {
        if (cancelled || Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("job " + jobId + " was cancelled");
    }
}
