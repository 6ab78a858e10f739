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
 * @param node this node's id: the volumes it makes are its own, and it runs only its own jobs
 *     (several nodes may share one PostgreSQL catalog and one remote repository); default the
 *     host name
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
        int workers,
        String node) {

    @Override
    public String toString() { // settings hold credentials
        return "ServiceConfig[dataDir=" + dataDir + ", catalog=" + catalogUrl + ", repositories=" + repositories + ", workers=" + workers + ", node=" + node + "]";
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
        if (node == null || node.isBlank()) node = hostName();
        node = node.trim();
        if (node.length() > 255 || !node.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("node id '" + node + "' is not usable: letters, digits, '.', '_' and '-', at most 255, starting with a letter or digit");
        }
    }

    /** This host's name, the default node id. */
    public static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            String h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "localhost" : h;
        }
    }

    public static ServiceConfig defaults(Path dataDir) {
        return new ServiceConfig(dataDir, null, null, null, null, null, null, null, 2, null);
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
