package io.coffer.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A database instance whose data directory lives on a volume: registered by an operator (Coffer
 * reaches it to quiesce it for a backup), or started by Coffer on a restored volume
 * ({@code managed}: Coffer owns its process).
 *
 * @param dataSubdir the data directory's path inside the volume ("" when it is the volume's root)
 * @param host TCP host, or null to use {@code socketDir}
 * @param passwordRef where the password is: {@code file:PATH} or {@code env:VAR}; never the password itself
 * @param pid the server process of a managed instance while it runs
 */
public record Instance(
        String id,
        String name,
        String engine,
        String volumeId,
        String dataSubdir,
        String host,
        Integer port,
        String socketDir,
        String user,
        String passwordRef,
        Status status,
        boolean managed,
        Long pid,
        Map<String, String> labels,
        String failReason,
        Instant createdAt,
        Instant updatedAt) {

    /** The status; {@link #id} is its name in the catalog and the API. */
    public enum Status {
        REGISTERED, CREATING, RUNNING, STOPPED, ERROR;

        public final String id = name().toLowerCase(java.util.Locale.ROOT);

        public static Status of(String id) {
            return Names.parse(values(), s -> s.id, id, "instance status");
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public Instance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(volumeId, "volumeId");
        dataSubdir = dataSubdir == null ? "" : dataSubdir;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Instance withStatus(Status s, String reason, Instant now) {
        return new Instance(id, name, engine, volumeId, dataSubdir, host, port, socketDir, user, passwordRef, s, managed, pid, labels, reason, createdAt, now);
    }

    /** A managed instance now running as {@code pid}, reachable on 127.0.0.1:{@code port} and in {@code socketDir}. */
    public Instance running(String host, int port, String socketDir, long pid, Instant now) {
        return new Instance(id, name, engine, volumeId, dataSubdir, host, port, socketDir, user, passwordRef, Status.RUNNING, managed, pid, labels, null, createdAt, now);
    }

    /** This instance with {@code more} labels (replacing those of the same key). */
    public Instance withFacts(Map<String, String> more, Instant now) {
        var l = new java.util.HashMap<>(labels);
        l.putAll(more);
        return new Instance(id, name, engine, volumeId, dataSubdir, host, port, socketDir, user, passwordRef, status, managed, pid, l, failReason, createdAt, now);
    }

    public Instance stopped(Instant now) {
        return new Instance(id, name, engine, volumeId, dataSubdir, host, port, socketDir, user, passwordRef, Status.STOPPED, managed, null, labels, failReason, createdAt, now);
    }
}
