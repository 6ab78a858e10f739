package io.coffer.service;

import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Job;
import io.coffer.catalog.Volume;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What changes a volume in place, without a job: its name and labels, its size (grown only), and
 * its status set by hand. Called under the service's lock.
 */
final class VolumeChanges {
    private final Catalog catalog;
    private final Operations ops;
    private final VolumeGuard guard;
    private final Clock clock;

    VolumeChanges(Catalog catalog, Operations ops, VolumeGuard guard, Clock clock) {
        this.catalog = catalog;
        this.ops = ops;
        this.guard = guard;
        this.clock = clock;
    }

    /** Labels under this prefix belong to the Cinder API (the project a volume is in): a replacement keeps them. */
    static final String CINDER_PREFIX = "cinder.";
    /**
     * The Cinder API's name of a volume whose Coffer name differs (Cinder's names need not be
     * unique): a rename names the volume anew, so it goes unless the renamer gives it again.
     */
    static final String DISPLAY_NAME = CINDER_PREFIX + "display_name";

    /**
     * Renames {@code v} or replaces its labels (null: unchanged; the Cinder API's own, under
     * {@link #CINDER_PREFIX}, are kept unless given); allowed in any status.
     */
    Volume update(Volume v, String name, Map<String, String> labels) {
        String n = name == null ? v.name() : Validation.name("volume", name);
        if (!n.equals(v.name()) && catalog.volumeNamed(n).isPresent()) {
            throw ServiceException.conflict("a volume named '" + n + "' exists already; choose another name");
        }
        Map<String, String> l = v.labels();
        if (labels != null) {
            l = new java.util.LinkedHashMap<>(Validation.labels("labels", labels));
            for (var e : v.labels().entrySet()) {
                if (!e.getKey().startsWith(CINDER_PREFIX) || name != null && e.getKey().equals(DISPLAY_NAME)) continue;
                l.putIfAbsent(e.getKey(), e.getValue());
            }
        } else if (name != null && l.containsKey(DISPLAY_NAME)) {
            l = new java.util.LinkedHashMap<>(l);
            l.remove(DISPLAY_NAME);
        }
        Volume u = v.withNameAndLabels(n, l, clock.instant());
        catalog.update(u);
        return u;
    }

    /** Grows {@code v} to {@code sizeBytes}; a volume never shrinks (its data would be cut). */
    Volume extend(Volume v, long sizeBytes) throws IOException {
        guard.require(v, VolumeGuard.Action.EXTEND);
        if (sizeBytes <= v.sizeBytes()) {
            throw ServiceException.invalid("volume " + v.name() + " is " + v.sizeBytes() + " bytes; a new size must be larger (" + sizeBytes
                    + " is not): a volume is never shrunk");
        }
        ops.driver(v.driver()).extend(v.id(), sizeBytes);
        Volume u = v.withSize(sizeBytes, clock.instant());
        catalog.update(u);
        return u;
    }

    /**
     * Sets a volume's status by hand (Cinder's reset-state): {@code available} (detached, unless
     * an instance holds it) or {@code error}. Refused while a job works on it: cancel that first.
     */
    Volume resetStatus(Volume v, Volume.Status to) {
        if (to != Volume.Status.AVAILABLE && to != Volume.Status.ERROR) {
            throw ServiceException.invalid("Volume status: " + to + " is invalid, valid statuses are: ['available', 'error'].");
        }
        Optional<Job> job = catalog.jobs().stream().filter(j -> !j.finished() && (v.id().equals(j.resourceId()) || v.id().equals(j.volumeId())))
                .findFirst();
        if (job.isPresent()) {
            throw ServiceException.conflict("volume " + v.name() + " is being worked on by job " + job.get().id() + " (" + job.get().kind()
                    + "); cancel it first (`coffer job cancel " + job.get().id() + "`)");
        }
        String attached = v.attachedTo();
        if (to == Volume.Status.AVAILABLE && attached != null) {
            Optional<Instance> holder = catalog.instanceNamed(attached).filter(i -> i.volumeId().equals(v.id()));
            if (holder.isPresent()) {
                throw ServiceException.conflict("volume " + v.name() + " holds instance " + holder.get().name() + " and stays in-use;"
                        + " run `coffer instance unregister " + holder.get().name() + "` first");
            }
            attached = null;
        }
        Volume u = v.withAttachment(attached, clock.instant()).withStatus(to, to == Volume.Status.ERROR ? "status reset to error by request" : null, clock.instant());
        catalog.update(u);
        return u;
    }
}
