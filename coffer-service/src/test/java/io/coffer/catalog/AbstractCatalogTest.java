package io.coffer.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every catalog database must do; run against SQLite and a real PostgreSQL server. */
abstract class AbstractCatalogTest {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00.123Z");
    Catalog catalog;

    /** Opens a catalog on an empty database; called once per test. */
    abstract Catalog openEmpty() throws Exception;

    /** Opens the same database again (a restart). */
    abstract Catalog reopen() throws Exception;

    @BeforeEach
    void open() throws Exception {
        catalog = openEmpty();
    }

    @AfterEach
    void close() {
        if (catalog != null) catalog.close();
    }

    static Volume volume(String name) {
        return new Volume(UUID.randomUUID().toString(), name, "dir", 1L << 30, "/data/" + name, Volume.Status.AVAILABLE, null, null,
                Map.of("app.kubernetes.io/managed-by", "coffer"), null, T0, T0, "node-a");
    }

    static Backup backup(Volume v, String parent) {
        return new Backup(UUID.randomUUID().toString(), "b", "desc ü", v.id(), v.name(), v.sizeBytes(), v.driver(), null, "local", "backups",
                Backup.Status.CREATING, null, parent != null, parent, null, 0, 0, 0, 0, null, null, Map.of("k", "v"), null, Map.of("consistency", "crash"), T0, T0, null);
    }

    @Test
    void recordsRoundTripWithEveryField() {
        Volume v = volume("pg-data");
        catalog.insert(v);
        assertThat(catalog.volume(v.id())).contains(v);
        assertThat(catalog.volumeNamed("pg-data")).contains(v);

        Snapshot s = new Snapshot(UUID.randomUUID().toString(), "s1", v.id(), Snapshot.Status.AVAILABLE, Snapshot.REFLINK, "/snap/1", "crash",
                v.sizeBytes(), 3L, 40L, Map.of("a", "b"), null, T0, T0);
        catalog.insert(s);
        assertThat(catalog.snapshot(s.id())).contains(s);
        assertThat(catalog.snapshotsOf(v.id())).containsExactly(s);

        Backup b = backup(v, null).stored("manifest1", 12, 1000, 500, 3, 99, T0, T0.plusSeconds(5));
        catalog.insert(b);
        assertThat(catalog.backup(b.id())).contains(b);

        Job j = new Job(UUID.randomUUID().toString(), Job.Kind.BACKUP, "backup", b.id(), v.id(), Job.Status.QUEUED, Map.of("x", "y"), 1, 2, 3, 4, null, T0,
                null, null, T0, "node-a");
        catalog.insert(j);
        assertThat(catalog.job(j.id())).contains(j);
        assertThat(catalog.unfinishedJobsOf("node-a")).containsExactly(j);
        assertThat(catalog.unfinishedJobsOf("node-b")).isEmpty();
        assertThat(catalog.claimQueuedJobs("node-b", 4, T0.plusSeconds(1))).as("another node's job").isEmpty();
        Job running = j.started(T0.plusSeconds(1));
        assertThat(catalog.claimQueuedJobs("node-a", 4, T0.plusSeconds(1))).containsExactly(running);
        assertThat(catalog.job(j.id())).contains(running);
        assertThat(catalog.claimQueuedJobs("node-a", 4, T0.plusSeconds(1))).as("claimed once only").isEmpty();
        Job sample = running.progress(10, 20, 1, 2, T0.plusSeconds(2));
        assertThat(catalog.updateWhileRunning(sample)).isTrue();
        assertThat(catalog.job(j.id())).contains(sample);
        Job done = sample.finish(Job.Status.SUCCEEDED, null, T0.plusSeconds(3));
        catalog.update(done);
        assertThat(catalog.job(j.id())).contains(done);
        assertThat(catalog.unfinishedJobsOf("node-a")).isEmpty();
        // a progress sample taken while the job ran, written after it finished, changes nothing
        assertThat(catalog.updateWhileRunning(sample.progress(20, 20, 2, 2, T0.plusSeconds(4)))).isFalse();
        assertThat(catalog.job(j.id())).contains(done);
    }

    @Test
    void twoNodesClaimingAtOnceTakeEveryQueuedJobExactlyOnce() throws Exception {
        Volume v = volume("shared");
        catalog.insert(v);
        List<String> queued = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Job j = new Job(UUID.randomUUID().toString(), Job.Kind.SNAPSHOT, "snapshot", "s" + i, v.id(), Job.Status.QUEUED, Map.of(), 0, 0, 0, 0, null,
                    T0.plusMillis(i), null, null, T0, "node-a");
            catalog.insert(j);
            queued.add(j.id());
        }
        List<String> claimed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (Catalog second = reopen()) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (Catalog c : List.of(catalog, second)) {
                done.add(pool.submit(() -> {
                    List<Job> got;
                    while (!(got = c.claimQueuedJobs("node-a", 3, T0.plusSeconds(1))).isEmpty()) got.forEach(j -> claimed.add(j.id()));
                    return null;
                }));
            }
            for (var f : done) f.get();
            pool.shutdown();
        }
        assertThat(claimed).as("each job claimed by one claimer only").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(queued);
        assertThat(catalog.unfinishedJobsOf("node-a")).allMatch(j -> j.status() == Job.Status.RUNNING).hasSize(40);
    }

    @Test
    void rowsOfACatalogWithoutNodesAreAdoptedByTheFirstNode() {
        Volume old = new Volume(UUID.randomUUID().toString(), "old", "dir", 1L << 30, "/data/old", Volume.Status.AVAILABLE, null, null, Map.of(), null, T0, T0, null);
        catalog.insert(old);
        catalog.insert(volume("new"));
        assertThat(catalog.adoptUnowned("node-b")).isEqualTo(1);
        assertThat(catalog.volume(old.id()).orElseThrow().node()).isEqualTo("node-b");
        assertThat(catalog.volumeNamed("new").orElseThrow().node()).as("a node's volume stays its own").isEqualTo("node-a");
        assertThat(catalog.adoptUnowned("node-c")).isZero();
    }

    @Test
    void theWriteLockIsRefusedInsideATransaction() {
        assertThatThrownBy(() -> catalog.inTransaction(() -> {
            try (Catalog.Held h = catalog.writeLock()) {
                return null;
            }
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("take it first");
        try (Catalog.Held h = catalog.writeLock(); Catalog.Held again = catalog.writeLock()) {
            catalog.inTransaction(() -> {
                catalog.insert(volume("under-lock"));
                return null;
            });
        }
        assertThat(catalog.volumeNamed("under-lock")).isPresent();
    }

    @Test
    void instancesRoundTripAndBackupsFindTheirInstance() {
        Volume v = volume("pg-vol");
        catalog.insert(v);
        Instance i = new Instance(UUID.randomUUID().toString(), "pg1", "postgresql", v.id(), "data", null, 5432, "/run/postgresql", "postgres",
                "file:/etc/coffer/pg1.pw", Instance.Status.REGISTERED, false, null, Map.of("team", "db"), null, T0, T0);
        catalog.insert(i);
        assertThat(catalog.instance(i.id())).contains(i);
        assertThat(catalog.instanceNamed("pg1")).contains(i);
        Instance running = i.running("127.0.0.1", 40123, "/tmp/s", 4242, T0.plusSeconds(1));
        catalog.update(running);
        assertThat(catalog.instances()).containsExactly(running);

        Backup b = backup(v, null);
        Backup ofInstance = new Backup(b.id(), b.name(), b.description(), b.volumeId(), b.volumeName(), b.volumeSize(), b.volumeDriver(), null,
                b.repository(), b.container(), b.status(), null, false, null, null, 0, 0, 0, 0, null, null, b.metadata(), i.id(),
                Map.of("quiesce.method", "pg_backup_start"), T0, T0, null);
        catalog.insert(ofInstance);
        catalog.insert(backup(v, null));
        assertThat(catalog.backupsOfInstance(i.id())).containsExactly(ofInstance);
        Backup verified = ofInstance.withFacts(Map.of("verify.status", "passed"), T0.plusSeconds(9));
        catalog.update(verified);
        assertThat(catalog.backup(b.id()).orElseThrow().facts()).containsEntry("verify.status", "passed").containsEntry("quiesce.method", "pg_backup_start");
        catalog.deleteInstance(i.id());
        assertThat(catalog.instances()).isEmpty();
    }

    @Test
    void updatesAndDeletesChangeExactlyOneRecord() {
        Volume a = volume("a");
        Volume b = volume("b");
        catalog.insert(a);
        catalog.insert(b);
        Volume busy = a.enter(Volume.Status.BACKING_UP, T0.plusSeconds(1));
        catalog.update(busy);
        assertThat(catalog.volume(a.id()).orElseThrow().status()).isEqualTo(Volume.Status.BACKING_UP);
        assertThat(catalog.volume(a.id()).orElseThrow().previousStatus()).isEqualTo(Volume.Status.AVAILABLE);
        assertThat(catalog.volume(b.id())).contains(b);
        catalog.update(busy.leave(T0.plusSeconds(2)));
        assertThat(catalog.volume(a.id()).orElseThrow().status()).isEqualTo(Volume.Status.AVAILABLE);
        catalog.deleteVolume(a.id());
        assertThat(catalog.volumes()).containsExactly(b);
        assertThatThrownBy(() -> catalog.update(a)).isInstanceOf(CatalogException.class).hasMessageContaining(a.id());
    }

    @Test
    void volumeNamesAreUnique() {
        catalog.insert(volume("same"));
        assertThatThrownBy(() -> catalog.insert(volume("same"))).isInstanceOf(CatalogException.class);
        assertThat(catalog.volumes()).hasSize(1);
    }

    @Test
    void aFailedTransactionLeavesNothingBehind() {
        Volume v = volume("v");
        catalog.insert(v);
        Backup b = backup(v, null);
        assertThatThrownBy(() -> catalog.inTransaction(() -> {
            catalog.insert(b);
            catalog.update(v.enter(Volume.Status.BACKING_UP, T0));
            throw new IllegalStateException("boom");
        })).hasMessageContaining("boom");
        assertThat(catalog.backups()).isEmpty();
        assertThat(catalog.volume(v.id()).orElseThrow().status()).isEqualTo(Volume.Status.AVAILABLE);
    }

    @Test
    void childrenAreFoundByParent() {
        Volume v = volume("v");
        catalog.insert(v);
        Backup full = backup(v, null);
        Backup inc = backup(v, full.id());
        catalog.insert(full);
        catalog.insert(inc);
        assertThat(catalog.childrenOf(full.id())).containsExactly(inc);
        assertThat(catalog.childrenOf(inc.id())).isEmpty();
        assertThat(catalog.backupsOf(v.id())).containsExactlyInAnyOrder(full, inc);
    }

    @Test
    void dataSurvivesAReopenAndMigrationsAreNotRerun() throws Exception {
        Volume v = volume("kept");
        catalog.insert(v);
        catalog.close();
        catalog = reopen();
        assertThat(catalog.volumes()).containsExactly(v);
        assertThat(List.of(catalog.describe())).allMatch(d -> !d.contains("password"));
    }
}
