package io.coffer.instance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import javax.net.SocketFactory;

/**
 * Connects the PostgreSQL JDBC driver to a Unix-domain socket (the driver knows only TCP): its
 * {@code socketFactory} is this class, its {@code socketFactoryArg} the socket file's path. The
 * address the driver connects to is ignored.
 */
public final class UnixSocketFactory extends SocketFactory {
    private final Path path;

    public UnixSocketFactory(String path) {
        this.path = Path.of(path);
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(path);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected();
    }

    private Socket connected() throws IOException {
        UnixSocket s = new UnixSocket(path);
        s.connect(null, 0);
        return s;
    }

    /** A {@link Socket} over a Unix-domain {@link SocketChannel}; TCP options are accepted and ignored. */
    private static final class UnixSocket extends Socket {
        private final Path path;
        private SocketChannel channel;
        private InputStream in;
        private OutputStream out;

        UnixSocket(Path path) {
            this.path = path;
        }

        @Override
        public void connect(SocketAddress ignored, int timeout) throws IOException {
            try {
                channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                throw new IOException("cannot connect to the socket " + path + ": " + e.getMessage(), e);
            }
            in = Channels.newInputStream(channel);
            out = Channels.newOutputStream(channel);
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public boolean isClosed() {
            return channel != null && !channel.isOpen();
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel != null) channel.close();
        }

        @Override
        public void setTcpNoDelay(boolean on) {}

        @Override
        public void setKeepAlive(boolean on) {}

        @Override
        public synchronized void setSoTimeout(int timeout) {}

        @Override
        public synchronized int getSoTimeout() {
            return 0;
        }

        @Override
        public synchronized void setReceiveBufferSize(int size) {}

        @Override
        public synchronized void setSendBufferSize(int size) {}

        @Override
        public void setSoLinger(boolean on, int linger) {}

        @Override
        public void shutdownInput() throws IOException {
            channel.shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }
    }
}
