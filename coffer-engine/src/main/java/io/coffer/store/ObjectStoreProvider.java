package io.coffer.store;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens the object stores of one or more URL schemes ({@code s3}, {@code swift}). Providers live in
 * their own modules and are found with {@link java.util.ServiceLoader}; {@link Stores#open} picks
 * one by the location's scheme, so the engine never depends on an SDK.
 */
public interface ObjectStoreProvider {
    /** The URL schemes this provider opens, lower case. */
    Set<String> schemes();

    /**
     * Opens the store at {@code location} ({@code SCHEME://CONTAINER/PREFIX}).
     *
     * @param settings named-repository settings (endpoint, region, credentials by reference...);
     *     empty means "from the environment", as the provider documents
     * @throws IllegalArgumentException for a malformed location or setting, naming it
     * @throws StoreException when the store cannot be reached or refuses the credentials
     */
    ObjectStore open(URI location, Map<String, String> settings) throws IOException;
}
