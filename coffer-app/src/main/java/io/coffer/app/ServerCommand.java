package io.coffer.app;

import io.coffer.csi.CsiServer;
import io.coffer.server.CofferServer;
import io.coffer.server.cinder.KeystoneTokens;
import io.coffer.service.CofferService;
import io.coffer.service.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffer server}: the service with its REST API. Settings come from flags, then
 * environment variables, then the configuration file, then embedded defaults; with none at all
 * it runs with a SQLite catalog and a local repository under the data directory.
 */
@Command(name = "server", description = "Run the Coffer service (REST API on 127.0.0.1:8176 by default).")
final class ServerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);
    static final int DEFAULT_PORT = 8176;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where volumes, snapshots, the catalog and the default repository live (default: $COFFER_DATA_DIR, else /var/lib/coffer for root, ~/.local/share/coffer otherwise).")
    Path dataDir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: $COFFER_LISTEN or 127.0.0.1:8176). Any address but loopback requires an API token.")
    String listen;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (default: $COFFER_CONFIG, else DATA/coffer.properties when it exists).")
    Path configFile;

    @Option(names = "--catalog-url", paramLabel = "JDBC_URL", description = "Catalog database (default: SQLite at DATA/catalog.db; or jdbc:postgresql://HOST/DB).")
    String catalogUrl;

    @Option(names = "--workers", paramLabel = "N", description = "Jobs run at once (default 2).")
    Integer workers;

    @Option(names = "--csi-endpoint", paramLabel = "unix:///PATH", description = "Also serve the CSI driver (Identity, Controller, Node) on this Unix socket (default: $COFFER_CSI_ENDPOINT or csi.endpoint; none).")
    String csiEndpoint;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id: its volumes and jobs are its own when nodes share a catalog (default: $COFFER_NODE_ID or node.id, else the host name).")
    String nodeId;

    @Override
    public Integer call() throws Exception {
        Map<String, String> env = System.getenv();
        Path data = dataDir != null ? dataDir : env.containsKey("COFFER_DATA_DIR") ? Path.of(env.get("COFFER_DATA_DIR")) : defaultDataDir();
        Properties file = load(configFile != null ? configFile : env.containsKey("COFFER_CONFIG") ? Path.of(env.get("COFFER_CONFIG")) : null, data);
        if (dataDir == null && !env.containsKey("COFFER_DATA_DIR") && file.getProperty("data_dir") != null) data = Path.of(file.getProperty("data_dir"));
        String addr = first(listen, env.get("COFFER_LISTEN"), file.getProperty("listen"), "127.0.0.1:" + DEFAULT_PORT);
        int colon = addr.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("listen address '" + addr + "' must be HOST:PORT");
        String host = addr.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address '" + addr + "' has no valid port");
        }
        Map<String, String> repos = new LinkedHashMap<>();
        Map<String, Map<String, String>> repoSettings = new LinkedHashMap<>();
        for (String k : file.stringPropertyNames()) {
            if (!k.startsWith("repository.") || k.equals("repository.default")) continue;
            String rest = k.substring("repository.".length());
            int dot = rest.indexOf('.');
            if (dot < 0) {
                repos.put(rest, file.getProperty(k).trim());
            } else {
                repoSettings.computeIfAbsent(rest.substring(0, dot), n -> new LinkedHashMap<>())
                        .put(rest.substring(dot + 1), resolve(k, file.getProperty(k).trim(), env));
            }
        }
        String catalogPassword = env.get("COFFER_CATALOG_PASSWORD");
        if (catalogPassword == null && file.getProperty("catalog.password_file") != null) {
            catalogPassword = Files.readString(Path.of(file.getProperty("catalog.password_file"))).trim();
        }
        ServiceConfig cfg = new ServiceConfig(data,
                first(catalogUrl, env.get("COFFER_CATALOG_URL"), file.getProperty("catalog.url"), null),
                first(null, env.get("COFFER_CATALOG_USER"), file.getProperty("catalog.user"), null),
                catalogPassword,
                repos, repoSettings, file.getProperty("repository.default"), file.getProperty("container.default"),
                workers != null ? workers : Integer.parseInt(first(null, env.get("COFFER_WORKERS"), file.getProperty("workers"), "2")),
                first(nodeId, env.get("COFFER_NODE_ID"), file.getProperty("node.id"), null),
                HousekeepingSettings.of(env, file));
        Files.createDirectories(cfg.dataDir());
        // remote repositories keep their metadata cache with the server's data, unless told otherwise
        if (System.getProperty("coffer.cache.dir") == null && env.get("COFFER_CACHE_DIR") == null) {
            System.setProperty("coffer.cache.dir", cfg.dataDir().resolve("cache").toString());
        }
        String token = token(cfg.dataDir(), host, env, file);

        CofferService svc = CofferService.start(cfg, Clock.systemUTC());
        // the CSI endpoint first: once the REST API answers, everything the server offers is up
        String csi = first(csiEndpoint, env.get("COFFER_CSI_ENDPOINT"), file.getProperty("csi.endpoint"), null);
        CsiServer csiServer = null;
        if (csi != null) {
            try {
                csiServer = CsiServer.start(svc, csi, cfg.node(), String.valueOf(ServerCommand.class.getPackage().getImplementationVersion()));
            } catch (IOException | IllegalArgumentException e) {
                svc.close();
                throw e;
            }
        }
        CofferServer server;
        try {
            server = CofferServer.start(svc, host, port, token, keystone(env, file), metricsToken(env, file));
        } catch (RuntimeException e) {
            if (csiServer != null) csiServer.close();
            svc.close();
            throw new IOException("cannot listen on " + addr + ": " + rootMessage(e), e);
        }
        CsiServer csiToClose = csiServer;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            if (csiToClose != null) csiToClose.close();
            server.close();
            svc.close();
            stopped.countDown();
        }, "coffer-shutdown"));
        LOG.info("coffer server listening on http://{}:{} (node {}, data in {}, catalog {}, repositories {}{})", host, server.port(), cfg.node(), cfg.dataDir(),
                svc.catalog().describe(), cfg.repositories(), token == null ? "" : ", API token required");
        System.err.flush();
        stopped.await();
        return 0;
    }

    /**
     * Keystone for the Cinder API's tokens: {@code keystone.url} (or COFFER_KEYSTONE_URL), with the
     * service's {@code keystone.user}, {@code keystone.password} (or {@code keystone.password_file},
     * COFFER_KEYSTONE_PASSWORD), {@code keystone.project} and {@code keystone.domain} (default
     * {@code default}); null when no URL is configured.
     */
    /** The read-only token for {@code /metrics}: COFFER_METRICS_TOKEN or {@code metrics.token_file}; null for none. */
    private static String metricsToken(Map<String, String> env, Properties file) throws IOException {
        String t = env.get("COFFER_METRICS_TOKEN");
        if (t == null && file.getProperty("metrics.token_file") != null) t = Files.readString(Path.of(file.getProperty("metrics.token_file"))).trim();
        return t == null || t.isBlank() ? null : t.trim();
    }

    private static KeystoneTokens keystone(Map<String, String> env, Properties file) throws IOException {
        String url = first(null, env.get("COFFER_KEYSTONE_URL"), file.getProperty("keystone.url"), null);
        if (url == null || url.isBlank()) return null;
        String password = first(null, env.get("COFFER_KEYSTONE_PASSWORD"), file.getProperty("keystone.password"), null);
        if (password == null && file.getProperty("keystone.password_file") != null) password = Files.readString(Path.of(file.getProperty("keystone.password_file"))).trim();
        String user = file.getProperty("keystone.user");
        String project = file.getProperty("keystone.project");
        if (user == null || password == null || project == null) {
            throw new IllegalArgumentException("keystone.url is set: also set keystone.user, keystone.password (or keystone.password_file) and keystone.project,"
                    + " the credentials Coffer validates tokens with (a user with the admin or service role)");
        }
        return new KeystoneTokens(new KeystoneTokens.Credentials(url.trim(), user.trim(), password, project.trim(), file.getProperty("keystone.domain", "default").trim()));
    }

    private static String token(Path data, String host, Map<String, String> env, Properties file) throws IOException {
        String t = env.get("COFFER_TOKEN");
        if (t == null && file.getProperty("token_file") != null) t = Files.readString(Path.of(file.getProperty("token_file"))).trim();
        if (t != null && !t.isBlank()) return t.trim();
        if (InetAddress.getByName(host).isLoopbackAddress()) return null;
        Path f = data.resolve("api-token");
        if (Files.exists(f)) return Files.readString(f).trim();
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String generated = HexFormat.of().formatHex(b);
        Files.writeString(f, generated + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        LOG.warn("listening on {} beyond loopback: generated an API token in {} (clients send it as COFFER_TOKEN)", host, f);
        return generated;
    }

    private static Properties load(Path explicit, Path data) throws IOException {
        Properties p = new Properties();
        Path f = explicit != null ? explicit : data.resolve("coffer.properties");
        if (explicit != null && !Files.isRegularFile(f)) throw new IllegalArgumentException("configuration file " + f + " does not exist");
        if (Files.isRegularFile(f)) {
            try (InputStream in = Files.newInputStream(f)) {
                p.load(in);
            }
        }
        return p;
    }

    static Path defaultDataDir() {
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? Path.of("/var/lib/coffer") : Path.of(System.getProperty("user.home"), ".local", "share", "coffer");
    }

    /**
     * A setting's value: {@code env:VAR} reads the environment, {@code file:PATH} a file (trimmed),
     * anything else is literal. Credentials belong in the first two; values are never logged.
     */
    static String resolve(String key, String value, Map<String, String> env) throws IOException {
        if (value.startsWith("env:")) {
            String v = env.get(value.substring(4));
            if (v == null) throw new IllegalArgumentException(key + " refers to the environment variable " + value.substring(4) + ", which is not set");
            return v;
        }
        if (value.startsWith("file:")) {
            Path f = Path.of(value.substring(5));
            if (!Files.isReadable(f)) throw new IllegalArgumentException(key + " refers to " + f + ", which cannot be read");
            return Files.readString(f).trim();
        }
        return value;
    }

    private static String first(String... v) {
        for (String s : v) if (s != null && !s.isBlank()) return s;
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
