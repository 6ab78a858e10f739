package io.coffer.store.s3;

import io.coffer.store.ObjectStore;
import io.coffer.store.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/** Opens {@code s3://BUCKET/PREFIX} locations; see {@link S3Settings} for what configures them. */
public final class S3StoreProvider implements ObjectStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public ObjectStore open(URI location, Map<String, String> settings) {
        return S3ObjectStore.open(S3Settings.of(location, settings, System.getenv()));
    }
}
