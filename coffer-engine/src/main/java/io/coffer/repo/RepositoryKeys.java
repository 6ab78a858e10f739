package io.coffer.repo;

import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The key slots of an encrypted repository: each {@code keys/} object wraps the one master key
 * under a password or a key file, so a repository may be opened by several secrets, and a secret
 * is changed by adding a slot for the new one and removing the old one. The master key itself
 * never changes (data stays as written): a removed secret no longer opens the repository, but
 * whoever held it and copied the key object earlier could still unwrap the master key from that
 * copy.
 *
 * <p>Write order: a new slot is stored (atomic put: fsync, rename) and read back and opened with
 * its secret before anything is removed, so a crash leaves the old secret, the new one, or both
 * working, never neither. The slot the caller opened with is never removed, so neither is the
 * last one.
 */
public final class RepositoryKeys {
    private static final String PREFIX = "keys/";

    /** The type of a slot whose object is damaged: it opens nothing, and may be removed. */
    public static final String DAMAGED = "damaged";

    /** One slot: its id (the object's name), what opens it, when it was made, and whether the caller's secret does. */
    public record Slot(String id, String type, String created, boolean current) {}

    record Opened(String id, byte[] master, List<Slot> slots) {}

    private RepositoryKeys() {}

    /** The slots, the one that {@code secret} opens marked {@code current}. */
    public static List<Slot> list(ObjectStore store, Secret secret) throws IOException {
        return open(store, secret).slots();
    }

    /** Adds a slot that {@code added} opens; returns its id. */
    public static String add(ObjectStore store, Secret secret, Secret added) throws IOException {
        Opened o = open(store, secret);
        try {
            return addSlot(store, o.master(), added);
        } finally {
            Arrays.fill(o.master(), (byte) 0);
        }
    }

    /** Replaces the slot {@code secret} opens by one that {@code replacement} opens; returns the new slot's id. */
    public static String change(ObjectStore store, Secret secret, Secret replacement) throws IOException {
        Opened o = open(store, secret);
        try {
            String id = addSlot(store, o.master(), replacement);
            store.delete(PREFIX + o.id());
            return id;
        } finally {
            Arrays.fill(o.master(), (byte) 0);
        }
    }

    /** Removes the slot whose id starts with {@code idPrefix} (at least 4 characters); returns its full id. */
    public static String remove(ObjectStore store, Secret secret, String idPrefix) throws IOException {
        Opened o = open(store, secret);
        Arrays.fill(o.master(), (byte) 0);
        if (idPrefix.length() < 4 || !Hex.isHex(idPrefix)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "'" + idPrefix + "' is not a key id (give at least 4 hex characters; see coffer repo key list)");
        }
        List<Slot> hits = o.slots().stream().filter(s -> s.id().startsWith(idPrefix)).toList();
        if (hits.isEmpty()) throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "no key " + idPrefix + " in " + store.location() + " (see coffer repo key list)");
        if (hits.size() > 1) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "key id prefix " + idPrefix + " is ambiguous; give more characters");
        Slot s = hits.get(0);
        if (s.current()) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "key " + s.id().substring(0, 12)
                    + " is the one this command opened the repository with; open it with another key to remove this one (or use coffer repo key passwd)");
        }
        store.delete(PREFIX + s.id());
        return s.id();
    }

    private static String addSlot(ObjectStore store, byte[] master, Secret added) throws IOException {
        KeySlot slot = MasterKeys.wrap(master, added);
        byte[] obj = Envelope.seal(Envelope.Kind.KEY, MetaCodec.writeKeySlot(slot), false, null);
        String id = Hex.of(Crypto.sha256(obj, 0, obj.length));
        store.put(PREFIX + id, ByteBuffer.wrap(obj));
        // read back and opened before anyone relies on it (and before change() removes the old slot)
        byte[] back;
        try {
            back = MasterKeys.unwrap(read(store, PREFIX + id), added);
        } catch (CorruptObjectException e) {
            back = null;
        }
        if (back == null || !Arrays.equals(back, master)) {
            try {
                store.delete(PREFIX + id);
            } catch (IOException e) {
                // a damaged slot left behind opens nothing; opening skips it and key list shows it
            }
            throw new RepositoryException(RepositoryException.Kind.CORRUPT, "the new key " + PREFIX + id + " in " + store.location()
                    + " did not read back as written (the store damaged it); nothing was removed");
        }
        Arrays.fill(back, (byte) 0);
        return id;
    }

    private static KeySlot read(ObjectStore store, String key) throws IOException {
        return MetaCodec.readKeySlot(key, Envelope.open(key, store.get(key), Envelope.Kind.KEY, null));
    }

    private static Opened open(ObjectStore store, Secret secret) throws IOException {
        if (!Repository.readConfig(store).encrypted()) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "repository " + store.location() + " is not encrypted: it has no keys");
        }
        return scan(store, secret, true);
    }

    /**
     * Finds the slot {@code secret} opens and the master key in it; with {@code whole}, lists every
     * slot, else stops at that one. A damaged key object opens nothing and is passed over, so that
     * it cannot lock out the holders of the other keys.
     */
    static Opened scan(ObjectStore store, Secret secret, boolean whole) throws IOException {
        if (secret == null) {
            throw new RepositoryException(RepositoryException.Kind.WRONG_KEY,
                    "repository " + store.location() + " is encrypted: give --password-file, COFFER_PASSWORD or --key-file");
        }
        String openedId = null;
        byte[] master = null;
        List<Slot> slots = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        for (ObjectInfo info : store.list(PREFIX)) {
            String id = info.key().substring(PREFIX.length());
            KeySlot slot;
            try {
                slot = read(store, info.key());
            } catch (CorruptObjectException e) {
                damaged.add(info.key());
                slots.add(new Slot(id, DAMAGED, null, false));
                continue;
            }
            boolean opens = false;
            if (master == null) {
                master = MasterKeys.unwrap(slot, secret);
                opens = master != null;
                if (opens) openedId = id;
            }
            slots.add(new Slot(id, slot.type(), slot.created(), opens));
            if (opens && !whole) break;
        }
        if (master == null) {
            throw new RepositoryException(RepositoryException.Kind.WRONG_KEY, "wrong password or key file for repository " + store.location()
                    + " (no key slot opens with it" + (damaged.isEmpty() ? ")" : "; damaged key objects, which open nothing: " + String.join(", ", damaged) + ")"));
        }
        return new Opened(openedId, master, List.copyOf(slots));
    }
}
