package io.coffer.service;

import io.coffer.repo.InitOptions;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.store.ObjectStore;
import io.coffer.store.Stores;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The configured repositories. A backup's container is an engine repository of its own under
 * the repository's location ({@code LOCATION/CONTAINER}, or the location with the container in
 * place of {@code {container}}), created on first use.
 *
 * <p>Within this process, backups and restores of one container share a read lock and prune
 * takes its write lock, so prune never runs beside a backup that may reference what it sweeps
 * (the engine's repository locks guard against other processes).
 */
final class Repositories {
    private final Map<String, String> locations;
    private final Map<String, Map<String, String>> settings;
    private final Map<String, ReadWriteLock> locks = new ConcurrentHashMap<>();

    Repositories(Map<String, String> locations, Map<String, Map<String, String>> settings) {
        this.locations = locations;
        this.settings = settings;
    }

    /** In a location, where a backup's container goes (else it is appended as a sub-location). */
    static final String CONTAINER = "{container}";

    boolean exists(String name) {
        return locations.containsKey(name);
    }

    String location(String repository, String container) {
        String base = locations.get(repository);
        if (base == null) throw ServiceException.notFound("repository '" + repository + "' is not configured; known: " + locations.keySet());
        if (base.contains(CONTAINER)) return base.replace(CONTAINER, container);
        return base.endsWith("/") ? base + container : base + "/" + container;
    }

    ReadWriteLock lock(String repository, String container) {
        return locks.computeIfAbsent(repository + "\0" + container, k -> new ReentrantReadWriteLock());
    }

    /** Opens the container's repository, creating it when {@code create} and it does not exist yet. */
    Repository open(String repository, String container, boolean create) throws IOException {
        ObjectStore store = Stores.open(location(repository, container), settings.getOrDefault(repository, Map.of()));
        return create ? openOrInit(store) : Repository.open(store, null);
    }

    /** Opens the unencrypted repository in {@code store}, creating it first when it does not exist. */
    static Repository openOrInit(ObjectStore store) throws IOException {
        try {
            return Repository.open(store, null);
        } catch (RepositoryException e) {
            if (e.kind() != RepositoryException.Kind.NOT_FOUND) throw e;
            try {
                return Repository.init(store, InitOptions.defaults(), null);
            } catch (RepositoryException again) {
                if (again.kind() != RepositoryException.Kind.CONFLICT) throw again;
                return Repository.open(store, null); // created by a concurrent job
            }
        }
    }
}
