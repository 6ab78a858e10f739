package io.coffer.store.swift;

import io.coffer.store.Keys;
import io.coffer.store.StoreSettings;
import io.coffer.store.ObjectStore;
import io.coffer.store.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code swift://CONTAINER/PREFIX} locations. Credentials: the settings {@code auth_url},
 * {@code user}, {@code key} (tempauth v1) or {@code os_*} (Keystone v3), else the environment the
 * {@code swift} CLI reads ({@code ST_AUTH}, {@code ST_USER}, {@code ST_KEY}, or {@code OS_AUTH_URL}
 * and the other {@code OS_*} variables). {@code connections} bounds parallel requests (default 16),
 * {@code timeout} how long one waits for an answer (default 60s).
 */
public final class SwiftStoreProvider implements ObjectStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("swift");
    }

    @Override
    public ObjectStore open(URI location, Map<String, String> settings) {
        return open(location, settings, System.getenv());
    }

    static SwiftObjectStore open(URI location, Map<String, String> settings, Map<String, String> env) {
        String container = location.getRawAuthority();
        if (container == null || !container.matches("[A-Za-z0-9._-]{1,256}")) {
            throw new IllegalArgumentException("repository location '" + location + "' needs a container name of letters, digits, '.', '_' "
                    + "or '-': use swift://CONTAINER/PREFIX");
        }
        String prefix = location.getPath() == null ? "" : location.getPath().replaceAll("^/+|/+$", "");
        if (!prefix.isEmpty()) {
            try {
                Keys.check(prefix);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("prefix '" + prefix + "' in '" + location + "' is not allowed: " + e.getMessage());
            }
            prefix += "/";
        }
        return new SwiftObjectStore(SwiftAuth.of(settings, env), container, prefix, StoreSettings.connections(settings), StoreSettings.timeout(settings));
    }
}
