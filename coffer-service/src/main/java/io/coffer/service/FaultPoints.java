package io.coffer.service;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points where a crash test stops the server dead, as a power cut would: with
 * {@code -Dcoffer.fault=NAME}, reaching point NAME halts the JVM at once (no shutdown hook, no
 * finally block). Unset, a point costs one property read. Fault injection only.
 */
final class FaultPoints {
    private static final Logger LOG = LoggerFactory.getLogger(FaultPoints.class);
    /** A restore's data is swapped into its volume; the catalog does not know yet. */
    static final String RESTORE_SWAPPED = "restore-swapped";

    private FaultPoints() {}

    static void reached(String name) {
        if (!name.equals(System.getProperty("coffer.fault"))) return;
        LOG.warn("fault point {} reached: halting", name);
        Runtime.getRuntime().halt(86);
    }
}
