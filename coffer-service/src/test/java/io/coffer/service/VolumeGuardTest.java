package io.coffer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.coffer.catalog.Catalog;
import io.coffer.catalog.Instance;
import io.coffer.catalog.Volume;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeGuardTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    @TempDir
    Path dir;

    static Volume volume(String name, Volume.Status status, String attachedTo) {
        return new Volume(UUID.randomUUID().toString(), name, "dir", 1L << 30, "/data/" + name, status, null, attachedTo, Map.of(), null, T0, T0, "node-a");
    }

    @Test
    void everyStatusAllowsWhatTheTableSaysAndEveryRefusalIsAConflictThatSaysWhatToDo() throws Exception {
        try (Catalog catalog = Catalog.open("jdbc:sqlite:" + dir.resolve("catalog.db"), null, null)) {
            VolumeGuard guard = new VolumeGuard(catalog);
            Volume held = volume("pgvol", Volume.Status.IN_USE, "pg1");
            catalog.insert(held);
            catalog.insert(new Instance(UUID.randomUUID().toString(), "pg1", "postgresql", held.id(), "", null, 5432, null, "postgres",
                    null, Instance.Status.REGISTERED, false, null, Map.of(), null, T0, T0));
            // the one table, spelled out: what each status allows
            Map<Volume.Status, Set<VolumeGuard.Action>> expected = Map.of(
                    Volume.Status.AVAILABLE, Set.of(VolumeGuard.Action.SNAPSHOT, VolumeGuard.Action.BACKUP, VolumeGuard.Action.RESTORE_INTO,
                            VolumeGuard.Action.ATTACH, VolumeGuard.Action.DELETE, VolumeGuard.Action.EXTEND, VolumeGuard.Action.REGISTER_INSTANCE),
                    Volume.Status.IN_USE, Set.of(VolumeGuard.Action.SNAPSHOT, VolumeGuard.Action.BACKUP, VolumeGuard.Action.DETACH, VolumeGuard.Action.EXTEND),
                    Volume.Status.CREATING, Set.of(), Volume.Status.BACKING_UP, Set.of(), Volume.Status.RESTORING, Set.of(),
                    Volume.Status.ERROR, Set.of(VolumeGuard.Action.RESTORE_INTO, VolumeGuard.Action.DELETE),
                    Volume.Status.ERROR_RESTORING, Set.of(VolumeGuard.Action.RESTORE_INTO, VolumeGuard.Action.DELETE));
            for (var e : expected.entrySet()) {
                for (VolumeGuard.Action a : VolumeGuard.Action.values()) {
                    Volume v = volume("v1", e.getKey(), e.getKey() == Volume.Status.IN_USE ? "host-a" : null);
                    String what = e.getKey() + " " + a;
                    if (e.getValue().contains(a)) {
                        assertThatCode(() -> guard.require(v, a)).as(what).doesNotThrowAnyException();
                        continue;
                    }
                    ServiceException x = catchThrowableOfType(ServiceException.class, () -> guard.require(v, a));
                    assertThat(x).as(what).isNotNull();
                    assertThat(x.code()).as(what).isEqualTo(ServiceException.Code.CONFLICT);
                    assertThat(x.getMessage()).as(what).startsWith("volume v1 is " + e.getKey()).contains(a.passive)
                            .containsAnyOf("wait for it", "detach it first", "nothing to detach", "restore a backup into it or delete it");
                }
            }
            // a volume an instance holds names the instance and how to let it go, whatever was asked
            for (VolumeGuard.Action a : List.of(VolumeGuard.Action.DELETE, VolumeGuard.Action.RESTORE_INTO, VolumeGuard.Action.ATTACH)) {
                ServiceException x = catchThrowableOfType(ServiceException.class, () -> guard.require(held, a));
                assertThat(x.code()).isEqualTo(ServiceException.Code.CONFLICT);
                assertThat(x.getMessage()).contains("holds instance pg1").contains("coffer instance unregister pg1");
            }
            // an attached volume is backed up only when asked to be, and the refusal says how
            Volume attached = volume("v2", Volume.Status.IN_USE, "host-a");
            assertThatCode(() -> guard.requireForceIfAttached(attached, true)).doesNotThrowAnyException();
            assertThatCode(() -> guard.requireForceIfAttached(volume("v3", Volume.Status.AVAILABLE, null), false)).doesNotThrowAnyException();
            ServiceException x = catchThrowableOfType(ServiceException.class, () -> guard.requireForceIfAttached(attached, false));
            assertThat(x.code()).isEqualTo(ServiceException.Code.CONFLICT);
            assertThat(x.getMessage()).contains("attached to host-a").contains("--force");
        }
    }
}
