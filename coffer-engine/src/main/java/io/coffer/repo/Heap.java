package io.coffer.repo;

/** What to say when the JVM's heap runs out: the size it had and how to give it more. */
public final class Heap {
    private Heap() {}

    public static String exhausted() {
        long mib = Runtime.getRuntime().maxMemory() >> 20;
        return "out of memory: the Java heap (" + mib + " MiB) is too small for this job;"
                + " give it more with COFFER_JAVA_OPTS, for example COFFER_JAVA_OPTS=\"-Xms64m -Xmx" + Math.max(512, 2 * mib) + "m -XX:+UseParallelGC\"";
    }
}
