package io.coffer.repo;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Stopping worker pools so that nothing of a finished or cancelled run outlives it. */
public final class Pools {
    private Pools() {}

    /**
     * Interrupts every task of {@code pools} and waits (up to a minute each) until their threads
     * have let go of their buffers, even when the calling thread is itself interrupted (a
     * cancelled job); the caller's interrupt status is kept.
     */
    public static void stop(ExecutorService... pools) {
        for (ExecutorService p : pools) if (p != null) p.shutdownNow();
        boolean interrupted = Thread.interrupted();
        try {
            for (ExecutorService p : pools) {
                if (p == null) continue;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (System.nanoTime() < deadline) {
                    try {
                        if (p.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
