package io.coffer.service;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * How the service runs, validated once.
 *
 * @param dataDir where volumes, snapshots, the SQLite catalog and the default repository live
 * @param catalogUrl JDBC URL of the catalog; null for SQLite at {@code DATA/catalog.db}
 * @param repositories repository name to location: a directory, {@code file://PATH},
 *     {@code s3://BUCKET/PREFIX} or {@code swift://CONTAINER/PREFIX}. A backup's container is a
 *     sub-location of its repository, or takes the place of {@code {container}} in it
 *     ({@code swift://{container}/coffer}: the container is the Swift container, as in Cinder)
 * @param repositorySettings per repository, the settings of its store (endpoint, region,
 *     credentials), already resolved; never logged
 * @param defaultRepository the repository used when a request names none
 * @param workers how many jobs run at once
 */
public record ServiceConfig(
        Path dataDir,
        String catalogUrl,
        String catalogUser,
        String catalogPassword,
        Map<String, String> repositories,
        Map<String, Map<String, String>> repositorySettings,
        String defaultRepository,
        String defaultContainer,
        int workers) {

    @Override
    public String toString() { // settings hold credentials
        return "ServiceConfig[dataDir=" + dataDir + ", catalog=" + catalogUrl + ", repositories=" + repositories + ", workers=" + workers + "]";
    }

    public ServiceConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        dataDir = dataDir.toAbsolutePath().normalize();
        if (catalogUrl == null || catalogUrl.isBlank()) catalogUrl = "jdbc:sqlite:" + dataDir.resolve("catalog.db");
        repositories = repositories == null || repositories.isEmpty()
                ? Map.of("local", dataDir.resolve("repository").toString())
                : Map.copyOf(repositories);
        repositorySettings = repositorySettings == null ? Map.of() : Map.copyOf(repositorySettings);
        for (String name : repositorySettings.keySet()) {
            if (!repositories.containsKey(name)) throw new IllegalArgumentException("settings are given for repository '" + name + "', which has no location (repository." + name + "=URL)");
        }
        if (defaultRepository == null) defaultRepository = repositories.containsKey("local") ? "local" : repositories.keySet().iterator().next();
        if (!repositories.containsKey(defaultRepository)) {
            throw new IllegalArgumentException("default repository '" + defaultRepository + "' is not among the configured ones " + repositories.keySet());
        }
        if (defaultContainer == null || defaultContainer.isBlank()) defaultContainer = "backups";
        if (workers < 1 || workers > 64) throw new IllegalArgumentException("workers must be between 1 and 64, not " + workers);
    }

    public static ServiceConfig defaults(Path dataDir) {
        return new ServiceConfig(dataDir, null, null, null, null, null, null, null, 2);
    }

    Path volumesDir() {
        return dataDir.resolve("volumes");
    }

    Path snapshotsDir() {
        return dataDir.resolve("snapshots");
    }

    Path stagingDir() {
        return dataDir.resolve("staging");
    }

    Path snapshotRepository() {
        return dataDir.resolve("snapshot-repository");
    }
}
