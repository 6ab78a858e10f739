package io.coffer.csi;

import io.coffer.service.CofferService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI endpoint: Identity, Controller and Node over gRPC on a Unix domain socket, in the
 * server's process and on its service.
 */
public final class CsiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CsiServer.class);
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Path socket;

    private CsiServer(Server server, EventLoopGroup boss, EventLoopGroup workers, Path socket) {
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.socket = socket;
    }

    /** The socket's path from an endpoint: {@code unix:///PATH}, {@code unix:/PATH} or a plain path. */
    public static Path socketPath(String endpoint) {
        String e = endpoint.strip();
        if (e.startsWith("unix://")) e = e.substring("unix://".length());
        else if (e.startsWith("unix:")) e = e.substring("unix:".length());
        if (e.isEmpty() || !e.startsWith("/")) {
            throw new IllegalArgumentException("CSI endpoint '" + endpoint + "' must be a Unix socket, unix:///PATH (an absolute path)");
        }
        return Path.of(e);
    }

    /** Serves CSI on {@code endpoint} for the node {@code nodeId}; a stale socket file left by a crash is replaced. */
    public static CsiServer start(CofferService svc, String endpoint, String nodeId, String version) throws IOException {
        Path socket = socketPath(endpoint);
        if (!Epoll.isAvailable()) throw new IOException("the CSI endpoint needs Linux's epoll (netty's native transport): " + Epoll.unavailabilityCause());
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket)) {
            if (listening(socket)) throw new IOException("CSI endpoint " + socket + " is served by another process already");
            Files.delete(socket);
        }
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(2);
        try {
            Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                    .addService(new IdentityService(version))
                    .addService(new ControllerService(svc, nodeId))
                    .addService(new NodeService(svc, nodeId))
                    .build().start();
            LOG.info("CSI driver {} serving on unix://{} as node {}", IdentityService.DRIVER, socket, nodeId);
            return new CsiServer(server, boss, workers, socket);
        } catch (IOException | RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw new IOException("cannot serve CSI on " + socket + ": " + e.getMessage(), e);
        }
    }

    private static boolean listening(Path socket) {
        try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        boss.shutdownGracefully();
        workers.shutdownGracefully();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }
}
