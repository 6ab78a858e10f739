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

    /** A configured repository and a container in it. */
    record Target(String repository, String container) {}

    /**
     * Where {@code ref} points: a configured repository's name (with {@code container}, which
     * defaults to {@code defaultContainer}), or a location URL that one of them, with some
     * container, resolves to. A location no configured repository covers is refused: the server
     * could not reach it again (credentials, settings) to restore.
     */
    Target resolve(String ref, String container, String defaultContainer) {
        if (ref == null || ref.isBlank()) throw ServiceException.invalid("no repository given: name a configured repository or give its location URL");
        if (locations.containsKey(ref)) return new Target(ref, Validation.container(container == null ? defaultContainer : container));
        String url = trim(ref);
        for (var e : locations.entrySet()) {
            String base = trim(e.getValue());
            String found = null;
            if (base.contains(CONTAINER)) {
                int at = base.indexOf(CONTAINER);
                String head = base.substring(0, at), tail = base.substring(at + CONTAINER.length());
                if (url.startsWith(head) && url.endsWith(tail) && url.length() > head.length() + tail.length()) {
                    found = url.substring(head.length(), url.length() - tail.length());
                }
            } else if (url.startsWith(base + "/")) {
                found = url.substring(base.length() + 1);
            } else if (url.equals(base)) {
                found = container == null ? defaultContainer : container;
            }
            if (found != null && !found.contains("/")) {
                if (container != null && !container.equals(found)) {
                    throw ServiceException.invalid("location " + Validation.printable(ref) + " is container '" + Validation.printable(found)
                            + "' of repository '" + e.getKey() + "', not container '" + Validation.printable(container) + "'");
                }
                return new Target(e.getKey(), Validation.container(found));
            }
        }
        throw ServiceException.invalid("no configured repository covers " + Validation.printable(ref) + "; configure it as repository.NAME=LOCATION"
                + " (with its credentials) and restart the server, then import by name; configured: " + locations.keySet());
    }

    private static String trim(String s) {
        String t = s;
        while (t.endsWith("/") && t.length() > 1) t = t.substring(0, t.length() - 1);
        if (t.startsWith("file://")) t = t.substring("file://".length());
        return t;
    }

    ReadWriteLock lock(String repository, String container) {
        return locks.computeIfAbsent(repository + "\0" + container, k -> new ReentrantReadWriteLock());
    }

    /** Opens the container's repository, creating it when {@code create} and it does not exist yet. */
    Repository open(String repository, String container, boolean create) throws IOException {
        ObjectStore store = Stores.open(location(repository, container), settings.getOrDefault(repository, Map.of()));
        return create ? openOrInit(store) : Repository.open(store, null);
    }

    /** True when the container's repository holds manifest {@code id} and it reads whole. */
    boolean hasManifest(String repository, String container, String id) throws IOException {
        try (Repository repo = open(repository, container, false)) {
            repo.loadManifest(id);
            return true;
        } catch (RepositoryException e) {
            if (e.kind() == RepositoryException.Kind.NOT_FOUND || e.kind() == RepositoryException.Kind.CORRUPT) return false;
            throw e;
        }
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
