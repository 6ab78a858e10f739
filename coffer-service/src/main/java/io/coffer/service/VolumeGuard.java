package io.coffer.service;

import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Volume;
import io.coffer.sys.PathUsers;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one table of what a volume in each status allows, and the one way a refusal reads: every
 * refusal for the volume's state is a conflict (HTTP 409, exit code 5) that names the volume, what
 * holds it and the command that frees it, whichever request ran into it.
 */
final class VolumeGuard {
    /** What is asked of a volume. */
    enum Action {
        SNAPSHOT("snapshotted"),
        BACKUP("backed up"),
        RESTORE_INTO("restored into"),
        ATTACH("attached"),
        DETACH("detached"),
        DELETE("deleted"),
        EXTEND("extended"),
        REGISTER_INSTANCE("given to an instance");

        final String passive;

        Action(String passive) {
            this.passive = passive;
        }
    }

    /** What each status allows; a status not listed (a job's busy state) allows nothing. */
    private static final Map<Volume.Status, Set<Action>> ALLOWED = Map.of(
            Volume.Status.AVAILABLE, EnumSet.of(Action.SNAPSHOT, Action.BACKUP, Action.RESTORE_INTO, Action.ATTACH, Action.DELETE, Action.EXTEND,
                    Action.REGISTER_INSTANCE),
            Volume.Status.IN_USE, EnumSet.of(Action.SNAPSHOT, Action.BACKUP, Action.DETACH, Action.EXTEND),
            // its data is not known to be whole: a restore into it or its deletion puts that right
            Volume.Status.ERROR, EnumSet.of(Action.RESTORE_INTO, Action.DELETE),
            Volume.Status.ERROR_RESTORING, EnumSet.of(Action.RESTORE_INTO, Action.DELETE));

    private final Catalog catalog;

    VolumeGuard(Catalog catalog) {
        this.catalog = catalog;
    }

    static boolean allows(Volume.Status status, Action a) {
        return ALLOWED.getOrDefault(status, Set.of()).contains(a);
    }

    /** Refuses {@code a} unless {@code v}'s status allows it. */
    void require(Volume v, Action a) {
        if (allows(v.status(), a)) return;
        String is = "volume " + v.name() + " is " + v.status();
        if (v.busy()) throw ServiceException.conflict(is + " and cannot be " + a.passive + " until that job finishes; wait for it (`coffer job list`)");
        if (v.status() == Volume.Status.IN_USE) {
            Optional<Instance> holder = instanceOn(v);
            if (holder.isPresent()) {
                throw ServiceException.conflict(is + " (it holds instance " + holder.get().name() + ") and cannot be " + a.passive
                        + "; stop using it and run `coffer instance unregister " + holder.get().name() + "` first");
            }
            throw ServiceException.conflict(is + " (attached to " + v.attachedTo() + ") and cannot be " + a.passive
                    + "; detach it first (`coffer volume detach " + v.name() + "`)");
        }
        if (a == Action.DETACH) throw ServiceException.conflict(is + " and cannot be detached: it is not attached, there is nothing to detach");
        throw ServiceException.conflict(is + " and cannot be " + a.passive + "; restore a backup into it or delete it");
    }

    /** A backup of an attached volume copies data that may be changing: it is taken only when asked for. */
    void requireForceIfAttached(Volume v, boolean force) {
        if (v.status() != Volume.Status.IN_USE || force) return;
        throw ServiceException.conflict("volume " + v.name() + " is in-use (attached to " + v.attachedTo() + "): backing up an in-use volume must use the force flag;"
                + " give --force (\"force\": true) for a crash-consistent copy, take a snapshot and back that up, or detach it first");
    }

    /** Refuses a restore over a volume that running processes use (a database there breaks). */
    static void requireUnused(Volume v) {
        var users = PathUsers.of(Path.of(v.path()), 5);
        if (users.isEmpty()) return;
        throw ServiceException.conflict("volume " + v.name() + " is used by running processes: " + PathUsers.describe(users)
                + "; a restore over it would break them: stop them first");
    }

    private Optional<Instance> instanceOn(Volume v) {
        if (v.attachedTo() == null) return Optional.empty();
        return catalog.instanceNamed(v.attachedTo()).filter(i -> i.volumeId().equals(v.id()));
    }
}
