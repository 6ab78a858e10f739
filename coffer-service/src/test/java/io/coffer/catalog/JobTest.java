package io.coffer.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobTest {
    static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    static Job job(Job.Status s) {
        return new Job("j1", Job.Kind.RESTORE, "volume", "v1", "v1", s, Map.of(), 0, 0, 0, 0, null, T0, null, null, T0, "node-a");
    }

    @Test
    void aJobMovesOnlyAlongItsTableAndAnEndIsFinal() {
        Map<Job.Status, Set<Job.Status>> allowed = Map.of(
                Job.Status.QUEUED, EnumSet.of(Job.Status.RUNNING, Job.Status.CANCELLED, Job.Status.FAILED),
                Job.Status.RUNNING, EnumSet.of(Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED),
                Job.Status.SUCCEEDED, EnumSet.noneOf(Job.Status.class),
                Job.Status.FAILED, EnumSet.noneOf(Job.Status.class),
                Job.Status.CANCELLED, EnumSet.noneOf(Job.Status.class));
        for (Job.Status from : Job.Status.values()) {
            for (Job.Status to : Job.Status.values()) {
                assertThat(from.canBecome(to)).as(from + " -> " + to).isEqualTo(allowed.get(from).contains(to));
                if (to == Job.Status.QUEUED) continue;
                Job j = job(from);
                if (allowed.get(from).contains(to)) {
                    Job next = to == Job.Status.RUNNING ? j.started(T0) : j.finish(to, null, T0);
                    assertThat(next.status()).isEqualTo(to);
                } else if (to == Job.Status.RUNNING) {
                    assertThatThrownBy(() -> j.started(T0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("is " + from.id);
                } else {
                    assertThatThrownBy(() -> j.finish(to, null, T0)).isInstanceOf(IllegalStateException.class)
                            .hasMessage("job j1 is " + from.id + " and cannot become " + to.id);
                }
            }
        }
        assertThat(job(Job.Status.SUCCEEDED).finished()).isTrue();
        assertThat(job(Job.Status.RUNNING).finished()).isFalse();
    }

    @Test
    void kindsAndStatusesReadBackFromTheirCatalogNamesAndUnknownOnesAreNamed() {
        for (Job.Kind k : Job.Kind.values()) assertThat(Job.Kind.of(k.id)).isEqualTo(k);
        for (Job.Status s : Job.Status.values()) assertThat(Job.Status.of(s.id)).isEqualTo(s);
        assertThat(Job.Kind.DELETE_BACKUP.id).isEqualTo("delete-backup");
        assertThat(Job.Kind.VOLUME_FROM_SNAPSHOT.toString()).isEqualTo("volume-from-snapshot");
        assertThatThrownBy(() -> Job.Kind.of("defragment")).isInstanceOf(CatalogException.class).hasMessageContaining("'defragment'");
        assertThatThrownBy(() -> Job.Status.of("paused")).isInstanceOf(CatalogException.class).hasMessageContaining("'paused'");
    }
}
