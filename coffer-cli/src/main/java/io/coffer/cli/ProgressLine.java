package io.coffer.cli;

import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * Prints a progress line on stderr while long work runs: redrawn every second on a terminal,
 * one line every 10 seconds otherwise, nothing with --quiet.
 */
final class ProgressLine implements AutoCloseable {
    private final Thread thread;
    private final PrintStream err = System.err;
    private final boolean tty = System.console() != null;
    private volatile boolean stop;

    ProgressLine(boolean quiet, Supplier<String> line) {
        if (quiet) {
            thread = null;
            return;
        }
        long period = tty ? 1000 : 10_000;
        thread = new Thread(() -> {
            while (!stop) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                if (stop) return;
                String s = line.get();
                if (tty) err.print("\r\033[K" + s);
                else err.println(s);
                err.flush();
            }
        }, "coffer-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            if (tty) {
                err.print("\r\033[K");
                err.flush();
            }
        }
    }
}
