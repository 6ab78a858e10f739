package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Catalog;
import io.coffer.catalog.Schedule;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: every {@code retention.interval}, the backups whose {@code expires_at} has passed,
 * and those the keep policy of their schedule lets go, are deleted through the normal delete
 * path (a delete-backup job, which prunes the repository after). An expired backup goes alone:
 * the incrementals built on it stay listed and restorable, since every backup restores on its
 * own; their {@code parent_id} is kept as history. Keep policies are applied by the node of the
 * schedule's volume; any node deletes expired backups (the write lock and the backup's status
 * make each deletion happen once).
 */
final class Sweeper {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

    private final CofferService svc;
    private final Schedules schedules;
    private final Catalog catalog;
    private final Clock clock;
    private final String node;

    Sweeper(CofferService svc, Schedules schedules, Catalog catalog, Clock clock, String node) {
        this.svc = svc;
        this.schedules = schedules;
        this.catalog = catalog;
        this.clock = clock;
        this.node = node;
    }

    /** One sweep; the ids of the backups whose deletion it started. */
    List<String> sweep() {
        Instant now = clock.instant();
        List<String> started = new ArrayList<>();
        for (Schedule s : catalog.schedules()) {
            if (!schedules.node(s).map(node::equals).orElse(false)) continue;
            try {
                for (Backup b : schedules.letGo(s)) {
                    LOG.info("schedule {}: its keep policy lets backup {} ({}) go", s.name(), b.id(), b.name());
                    svc.expireBackup(b.id()).ifPresent(j -> started.add(b.id()));
                }
            } catch (ServiceException e) {
                LOG.warn("schedule {}: keep policy not applied: {}", s.name(), e.getMessage());
            }
        }
        for (Backup b : catalog.expiredBackups(now)) {
            svc.expireBackup(b.id()).ifPresent(j -> started.add(b.id()));
        }
        return started;
    }
}
