package io.coffer.repo;

import io.coffer.store.ObjectNotFoundException;
import io.coffer.store.ObjectStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A lock object {@code locks/<random>}. Backups hold shared locks; prune holds an exclusive one and
 * therefore never runs while a backup may be about to reference blobs that look unused. A lock is
 * refreshed every 5 minutes (a new object, then the old one removed) and is stale after 30 minutes
 * without refresh, or at once when its process is gone from this host.
 */
public final class RepoLock implements AutoCloseable {
    static final Duration REFRESH = Duration.ofMinutes(5);
    static final Duration STALE = Duration.ofMinutes(30);

    record Info(String host, long pid, String time, boolean exclusive, String purpose) {}

    private final Repository repo;
    private final Info base;
    private volatile String key;
    private final ScheduledExecutorService refresher;

    private RepoLock(Repository repo, Info base, String key) {
        this.repo = repo;
        this.base = base;
        this.key = key;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffer-lock-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleAtFixedRate(this::refresh, REFRESH.toSeconds(), REFRESH.toSeconds(), TimeUnit.SECONDS);
    }

    /** This host's name, as recorded in locks and manifests. */
    public static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static RepoLock acquire(Repository repo, boolean exclusive, String purpose) throws IOException {
        Info me = new Info(hostname(), ProcessHandle.current().pid(), Instant.now().toString(), exclusive, purpose);
        String key = write(repo, me);
        ObjectStore store = repo.store();
        for (var o : store.list("locks/")) {
            if (o.key().equals(key)) continue;
            Info other;
            try {
                other = read(repo, o.key());
            } catch (ObjectNotFoundException gone) {
                continue;
            } catch (RepositoryException damaged) {
                continue; // an unreadable lock cannot be honoured; check reports it
            }
            if (isStale(other)) {
                if (other.host().equals(me.host())) {
                    try {
                        store.delete(o.key());
                    } catch (IOException ignored) {
                        // someone else removed it
                    }
                }
                continue;
            }
            if (exclusive || other.exclusive()) {
                store.delete(key);
                throw new RepositoryException(RepositoryException.Kind.CONFLICT,
                        "repository " + store.location() + " is locked by " + (other.exclusive() ? "an exclusive " : "a ")
                                + other.purpose() + " (pid " + other.pid() + " on " + other.host() + " since " + other.time()
                                + "); try again when it has finished");
            }
        }
        return new RepoLock(repo, me, key);
    }

    /**
     * Removes the locks that are stale (too old, or of a process gone from this host; an unreadable
     * one too, which no one honours), or with {@code all} every lock, for when the processes that
     * hold them are known to be gone from every host. Returns a line per lock removed.
     */
    public static java.util.List<String> remove(Repository repo, boolean all) throws IOException {
        java.util.List<String> removed = new java.util.ArrayList<>();
        for (var o : repo.store().list("locks/")) {
            String what;
            boolean stale;
            try {
                Info i = read(repo, o.key());
                stale = isStale(i);
                what = (i.exclusive() ? "exclusive " : "") + i.purpose() + " lock of pid " + i.pid() + " on " + i.host() + " since " + i.time();
            } catch (ObjectNotFoundException gone) {
                continue;
            } catch (RepositoryException damaged) {
                stale = true;
                what = "unreadable lock";
            }
            if (!all && !stale) continue;
            try {
                repo.store().delete(o.key());
                removed.add(o.key() + ": " + what);
            } catch (ObjectNotFoundException gone) {
                // its holder finished meanwhile
            }
        }
        return removed;
    }

    static boolean isStale(Info i) {
        Instant t;
        try {
            t = Instant.parse(i.time());
        } catch (RuntimeException e) {
            return true;
        }
        if (t.plus(STALE).isBefore(Instant.now())) return true;
        return i.host().equals(hostname()) && ProcessHandle.of(i.pid()).isEmpty();
    }

    static String write(Repository repo, Info info) throws IOException {
        byte[] obj = Envelope.seal(Envelope.Kind.LOCK, MetaCodec.writeLock(info), false, null);
        String key = "locks/" + Hex.of(Crypto.random(16));
        repo.store().put(key, ByteBuffer.wrap(obj));
        return key;
    }

    private static Info read(Repository repo, String key) throws IOException {
        return MetaCodec.readLock(key, Envelope.open(key, repo.store().get(key), Envelope.Kind.LOCK, null));
    }

    private synchronized void refresh() {
        try {
            Info fresh = new Info(base.host(), base.pid(), Instant.now().toString(), base.exclusive(), base.purpose());
            String old = key;
            key = write(repo, fresh);
            repo.store().delete(old);
        } catch (IOException | RuntimeException e) {
            // the next refresh tries again; a lock older than STALE is ignored by others
        }
    }

    @Override
    public synchronized void close() {
        refresher.shutdownNow();
        try {
            repo.store().delete(key);
        } catch (IOException ignored) {
            // a leftover lock goes stale
        }
    }
}
