package io.coffer.repo;

/**
 * Phase timings on stderr for diagnosing a slow command: set {@code COFFER_TRACE=1}. Each line
 * gives the milliseconds since the JVM started, the thread and the phase that just ended.
 * Off by default, and then free: one static boolean test per phase.
 */
public final class Trace {
    private static final boolean ON = enabled(System.getenv("COFFER_TRACE"));
    private static final long START_MS = ON ? startMillis() : 0;

    private Trace() {}

    static boolean enabled(String v) {
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    /** Notes that {@code what} is done (the argument is only formatted when tracing is on). */
    public static void mark(String what, Object... args) {
        if (!ON) return;
        String msg = args.length == 0 ? what : String.format(what, args);
        System.err.printf("coffer trace: %6d ms  %-16s %s%n", System.currentTimeMillis() - START_MS, Thread.currentThread().getName(), msg);
    }

    private static long startMillis() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }
}
