package io.coffer.csi;

import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import java.time.Duration;
import java.util.Optional;

/**
 * Waiting for the service's jobs: a CSI call returns once its volume or snapshot is ready, or
 * answers ABORTED after {@link #PATIENCE} (the CO retries the same call, which finds the job's
 * result by name). A job that failed is the call's failure.
 */
final class Waits {
    static final Duration PATIENCE = Duration.ofSeconds(Integer.getInteger("coffer.csi.patience", 30));

    private Waits() {}

    static Volume volume(CofferService svc, String id) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<Volume> v = svc.catalog().volume(id);
            if (v.isEmpty()) throw Grpc.aborted("volume " + id + " was deleted while it was being created; retry");
            switch (v.get().status()) {
                case AVAILABLE, IN_USE -> {
                    return v.get();
                }
                case ERROR, ERROR_RESTORING -> throw io.grpc.Status.INTERNAL
                        .withDescription("volume " + id + " could not be filled: " + v.get().failReason() + "; delete it and create it again").asRuntimeException();
                default -> {
                    if (System.nanoTime() > deadline) throw Grpc.aborted("volume " + id + " is still " + v.get().status() + "; retry");
                    Thread.sleep(50);
                }
            }
        }
    }

    static Snapshot snapshot(CofferService svc, String id) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<Snapshot> s = svc.catalog().snapshot(id);
            if (s.isEmpty()) throw Grpc.aborted("snapshot " + id + " was deleted while it was being taken; retry");
            switch (s.get().status()) {
                case AVAILABLE -> {
                    return s.get();
                }
                case ERROR -> throw io.grpc.Status.INTERNAL
                        .withDescription("snapshot " + id + " failed: " + s.get().failReason() + "; delete it (DeleteSnapshot) and take it again").asRuntimeException();
                default -> {
                    if (System.nanoTime() > deadline) throw Grpc.aborted("snapshot " + id + " is still " + s.get().status() + "; retry");
                    Thread.sleep(50);
                }
            }
        }
    }
}
