package io.coffer.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pauses writes to the filesystems that live inside an image volume (the image attached to a
 * loop device and mounted) for the instant of a clone, with {@code fsfreeze}. The image itself
 * sits on the host filesystem, which stays writable, so the clone can be made while the
 * volume's own filesystem is frozen.
 */
public final class Freezer {
    /** Work done while frozen. */
    public interface Frozen {
        void run() throws IOException;
    }

    private Freezer() {}

    /** Mount points of filesystems backed by {@code image} through a loop device. */
    public static List<String> mountsOf(Path image) throws IOException {
        List<String> mounts = new ArrayList<>();
        Commands.Result loops = Commands.run(List.of("losetup", "-n", "-O", "NAME", "-j", image.toString()), 30);
        if (loops.code() != 0 || loops.out().isBlank()) return mounts;
        for (String dev : loops.out().split("\\R")) {
            Commands.Result m = Commands.run(List.of("findmnt", "-n", "-o", "TARGET", "--source", dev.trim()), 30);
            if (m.code() == 0) {
                for (String t : m.out().split("\\R")) if (!t.isBlank()) mounts.add(t.trim());
            }
        }
        return mounts;
    }

    /**
     * Freezes every mount in {@code mounts}, runs {@code work}, thaws them (always, even when
     * the work fails) and returns how long writes were paused, in milliseconds.
     */
    public static long whileFrozen(List<String> mounts, Frozen work) throws IOException {
        List<String> frozen = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (String m : mounts) {
                Commands.check(List.of("fsfreeze", "--freeze", m), 30);
                frozen.add(m);
            }
            work.run();
        } finally {
            IOException thawFailure = null;
            for (String m : frozen) {
                try {
                    Commands.check(List.of("fsfreeze", "--unfreeze", m), 30);
                } catch (IOException e) {
                    thawFailure = e;
                }
            }
            if (thawFailure != null) throw new IOException("could not thaw " + frozen + ": " + thawFailure.getMessage(), thawFailure);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Thaws each of {@code mounts} that is frozen; returns those that were. */
    public static List<String> thaw(List<String> mounts) throws IOException {
        List<String> thawed = new ArrayList<>();
        for (String m : mounts) {
            if (Commands.run(List.of("fsfreeze", "--unfreeze", m), 30).code() == 0) thawed.add(m);
        }
        return thawed;
    }
}
