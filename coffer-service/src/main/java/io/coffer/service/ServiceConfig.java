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
 * @param housekeeping retention, notifications and the disk guard; null for the defaults
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
        String node,
        Housekeeping housekeeping) {

    /**
     * What the server does by itself.
     *
     * @param retentionInterval how often expired backups are deleted and keep policies applied
     *     ({@code retention.interval}, default 10 minutes)
     * @param webhooks where events are POSTed ({@code notify.webhook})
     * @param notifyEvents which events beyond failures go there: {@code success}, {@code expiry},
     *     {@code verification}, {@code skipped} ({@code notify.events})
     * @param minFreeBytes below this much free space on the data directory or a local
     *     repository's disk, new backups are refused ({@code disk.min_free}; 0: never;
     *     {@link #AUTO}, the default: 1 GiB, or 5% of a disk smaller than 20 GiB)
     */
    public record Housekeeping(java.time.Duration retentionInterval, java.util.List<java.net.URI> webhooks, java.util.Set<String> notifyEvents, long minFreeBytes) {
        public Housekeeping {
            if (retentionInterval == null) retentionInterval = java.time.Duration.ofMinutes(10);
            if (retentionInterval.isNegative() || retentionInterval.isZero()) throw new IllegalArgumentException("retention.interval must be positive, not " + retentionInterval);
            webhooks = webhooks == null ? java.util.List.of() : java.util.List.copyOf(webhooks);
            for (java.net.URI u : webhooks) {
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) throw new IllegalArgumentException("notify.webhook " + u + " is not an http or https URL");
            }
            notifyEvents = notifyEvents == null ? java.util.Set.of() : java.util.Set.copyOf(notifyEvents);
            for (String e : notifyEvents) {
                if (!Webhooks.OPTIONAL.contains(e)) throw new IllegalArgumentException("notify.events: '" + e + "' is not one of " + new java.util.TreeSet<>(Webhooks.OPTIONAL) + " (failures are always sent)");
            }
            if (minFreeBytes < 0 && minFreeBytes != AUTO) throw new IllegalArgumentException("disk.min_free must not be negative");
        }

        /** {@code minFreeBytes}: 1 GiB, or 5% of a disk smaller than 20 GiB. */
        public static final long AUTO = -1;

        /** The floor on a disk of {@code totalBytes}. */
        public long floorFor(long totalBytes) {
            return minFreeBytes == AUTO ? Math.min(1L << 30, totalBytes / 20) : minFreeBytes;
        }

        @Override
        public String toString() { // a webhook's URL may hold a token: hosts only
            return "retention every " + retentionInterval + ", webhooks " + webhooks.stream().map(java.net.URI::getHost).toList() + ", disk.min_free " + minFreeBytes;
        }

        public static Housekeeping defaults() {
            return new Housekeeping(null, null, null, AUTO);
        }
    }

    @Override
    public String toString() { // settings hold credentials
        return "ServiceConfig[dataDir=" + dataDir + ", catalog=" + catalogUrl + ", repositories=" + repositories + ", workers=" + workers + ", node=" + node + ", " + housekeeping + "]";
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
        if (housekeeping == null) housekeeping = Housekeeping.defaults();
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
        return new ServiceConfig(dataDir, null, null, null, null, null, null, null, 2, null, null);
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
