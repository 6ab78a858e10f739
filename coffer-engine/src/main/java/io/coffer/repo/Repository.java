package io.coffer.repo;

import io.coffer.store.ObjectExistsException;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectNotFoundException;
import io.coffer.store.ObjectStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * An open repository: its config and keys, the master index, and typed access to blobs, trees and
 * manifests. Writers go through a {@link Packer}. Thread-safe.
 */
public final class Repository implements Closeable {
    public static final String CONFIG = "config";
    private final ObjectStore store;
    private final RepoConfig config;
    private final MasterKeys keys;
    private final BlobCodec codec;
    private final MasterIndex index = new MasterIndex();
    private final Set<String> indexKeys = ConcurrentHashMap.newKeySet();
    private final Map<String, String> indexErrors = new ConcurrentHashMap<>();
    private volatile MetadataCache cache;
    /** Whole tree packs read from a remote store, null for a local one (see {@link TreePacks}). */
    private final TreePacks treePacks;

    private Repository(ObjectStore store, RepoConfig config, MasterKeys keys) {
        this.store = store;
        this.config = config;
        this.keys = keys;
        this.codec = new BlobCodec(config, keys);
        boolean remote = remote(store);
        this.cache = remote ? MetadataCache.of(config.id()) : null;
        this.treePacks = remote ? new TreePacks() : null;
    }

    /** A store reached over the network (a local directory needs no cache). */
    private static boolean remote(ObjectStore store) {
        String l = store.location();
        int sep = l.indexOf("://");
        return sep > 0 && !l.startsWith("file://");
    }

    /** Puts an object just stored into the metadata cache, if there is one. */
    void keep(String key, byte[] b, int length) {
        MetadataCache c = cache;
        if (c != null) c.keep(key, b, length);
    }

    /**
     * Reads everything from the store itself from now on, never from the local metadata cache
     * (for {@code check}, which must see what the store holds).
     */
    public void bypassCache() {
        cache = null;
        if (treePacks != null) treePacks.clear();
    }

    /** Creates a repository in an empty store; {@code secret} null means no encryption. */
    public static Repository init(ObjectStore store, InitOptions o, Secret secret) throws IOException {
        if (!store.list(CONFIG).isEmpty() || !store.list("data/").isEmpty()) {
            throw new RepositoryException(RepositoryException.Kind.CONFLICT, "a repository already exists at " + store.location());
        }
        byte[] master = secret == null ? null : Crypto.random(32);
        MasterKeys keys = master == null ? null : MasterKeys.of(master);
        List<String> features = new ArrayList<>(List.of("packs-v1", "fastcdc", "fixed-blocks", "zero-blocks"));
        if (o.compression().algorithm().equals("zstd")) {
            features.add("zstd");
            features.add(RepoConfig.REFERENCES);
        }
        if (secret != null) features.add("aes-256-gcm");
        if (o.blockGroups()) features.add(RepoConfig.GROUPS);
        features.add(RepoConfig.CHUNK_LISTS);
        RepoConfig config = new RepoConfig(RepoConfig.FORMAT_VERSION, Hex.of(Crypto.random(16)), Instant.now().toString(), features,
                secret == null ? "sha256" : "hmac-sha256", o.compression(),
                new RepoConfig.Cdc(o.cdcMin(), o.cdcAvg(), o.cdcMax(), secret == null ? Hex.of(Crypto.random(32)) : null),
                o.fixed(), o.packSize(), o.treePackSize(),
                secret == null ? null : new RepoConfig.Encryption("aes-256-gcm", "hmac-sha256"));
        if (secret != null) {
            KeySlot slot = MasterKeys.wrap(master, secret);
            byte[] obj = Envelope.seal(Envelope.Kind.KEY, MetaCodec.writeKeySlot(slot), false, null);
            store.put("keys/" + Hex.of(Crypto.sha256(obj, 0, obj.length)), ByteBuffer.wrap(obj));
        }
        // The config goes last: a repository exists once its config does.
        try {
            store.put(CONFIG, ByteBuffer.wrap(Envelope.seal(Envelope.Kind.CONFIG, MetaCodec.writeConfig(config), false, null)));
        } catch (ObjectExistsException e) {
            throw new RepositoryException(RepositoryException.Kind.CONFLICT, "a repository already exists at " + store.location());
        }
        return new Repository(store, config, keys);
    }

    /** Opens an existing repository and loads its index. */
    public static Repository open(ObjectStore store, Secret secret) throws IOException {
        RepoConfig config = readConfig(store);
        Trace.mark("config read");
        MasterKeys keys = null;
        if (config.encrypted()) {
            keys = MasterKeys.of(RepositoryKeys.scan(store, secret, false).master());
            Trace.mark("unlocked");
        }
        Repository repo = new Repository(store, config, keys);
        repo.loadIndex(true);
        Trace.mark("index loaded: %d blobs", repo.index.blobCount());
        repo.trimCache();
        return repo;
    }

    /** Reads and validates the config of the repository in {@code store}. */
    static RepoConfig readConfig(ObjectStore store) throws IOException {
        byte[] raw;
        try {
            raw = store.get(CONFIG);
        } catch (ObjectNotFoundException e) {
            throw new RepositoryException(RepositoryException.Kind.NOT_FOUND,
                    "no repository at " + store.location() + " (create one with: coffer repo init --repo " + store.location() + ")");
        }
        RepoConfig config = MetaCodec.readConfig(CONFIG, Envelope.open(CONFIG, raw, Envelope.Kind.CONFIG, null));
        config.validate(store.location());
        return config;
    }

    /** Forgets the loaded index and reads all index objects again (after a prune rewrote them). */
    public synchronized void reloadIndex() throws IOException {
        index.clear();
        indexKeys.clear();
        indexErrors.clear();
        loadIndex();
    }

    /**
     * Drops what the metadata cache holds of objects the store no longer has: index objects not
     * listed (this open just listed them) and tree packs no index names.
     */
    private void trimCache() {
        MetadataCache c = cache;
        if (c == null) return;
        Set<String> live = new HashSet<>();
        for (String k : indexKeys) live.add(k.substring("index/".length()));
        live.addAll(indexErrors.keySet().stream().map(k -> k.substring("index/".length())).toList());
        c.trim("index", live);
        Set<String> trees = new HashSet<>();
        for (PackInfo p : index.packs()) if (p.type() == BlobType.TREE) trees.add(p.id());
        c.trim("trees", trees);
    }

    /** Re-reads every index object not loaded yet. */
    public synchronized void loadIndex() throws IOException {
        loadIndex(false);
    }

    private synchronized void loadIndex(boolean first) throws IOException {
        List<ObjectInfo> objs = store.list("index/");
        if (first) {
            // an index object stores a blob in 44 bytes (52 in a group), which zstd leaves at about 40
            long bytes = 0;
            for (ObjectInfo o : objs) bytes += o.size();
            index.expect((int) Math.min(bytes / 40, 1 << 26));
        }
        try {
            loadIndexObjects(objs);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void loadIndexObjects(List<ObjectInfo> objs) {
        objs.parallelStream().filter(o -> !indexKeys.contains(o.key())).forEach(o -> {
            try {
                MetadataCache c = cache;
                String key = o.key();
                byte[] raw = c == null ? store.get(key) : c.object(key, () -> store.get(key));
                for (PackInfo p : IndexCodec.decode(key, Envelope.openVersioned(key, raw, Envelope.Kind.INDEX, dataKey()))) index.add(p);
                indexKeys.add(o.key());
                indexErrors.remove(o.key());
            } catch (ObjectNotFoundException gone) {
                // removed by a concurrent prune that wrote its replacement first
            } catch (CorruptObjectException e) {
                indexErrors.put(o.key(), e.getMessage()); // reported by check; blobs it held count as missing
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public List<PackInfo> readIndexObject(String key) throws IOException {
        return IndexCodec.decode(key, Envelope.openVersioned(key, store.get(key), Envelope.Kind.INDEX, dataKey()));
    }

    /**
     * Most blobs one index object lists (a pack is never split, so one with more stands alone):
     * a large index then loads on every core, object by object, instead of on one.
     */
    static final int INDEX_BLOBS = 24_576;
    static final int INDEX_PACKS = 1000;

    /**
     * Writes index objects for packs that are already stored, then makes them visible; returns
     * their keys.
     */
    public List<String> writeIndex(List<PackInfo> packs) throws IOException {
        List<String> keys = new ArrayList<>();
        for (int from = 0, to; from < packs.size(); from = to) {
            int blobs = packs.get(from).blobs().size();
            to = from + 1;
            while (to < packs.size() && to - from < INDEX_PACKS && blobs + packs.get(to).blobs().size() <= INDEX_BLOBS) {
                blobs += packs.get(to++).blobs().size();
            }
            keys.add(writeIndexObject(packs.subList(from, to)));
        }
        return keys;
    }

    private String writeIndexObject(List<PackInfo> packs) throws IOException {
        int version = IndexCodec.versionFor(packs);
        byte[] obj = Envelope.seal(Envelope.Kind.INDEX, version, IndexCodec.encode(packs, version), true, dataKey());
        String key = "index/" + Hex.of(Crypto.sha256(obj, 0, obj.length));
        try {
            store.put(key, ByteBuffer.wrap(obj));
        } catch (ObjectExistsException same) {
            // the same content, unless the object there is damaged: an index rebuilt from the packs
            // a damaged index object listed is byte for byte what that object held, under its name
            if (!java.util.Arrays.equals(store.get(key), obj)) {
                store.delete(key);
                store.put(key, ByteBuffer.wrap(obj));
            }
        }
        for (PackInfo p : packs) index.add(p);
        indexKeys.add(key);
        keep(key, obj, obj.length);
        return key;
    }

    /** Index objects that could not be read, with the reason. */
    public Map<String, String> indexErrors() {
        return Map.copyOf(indexErrors);
    }

    public Set<String> indexKeys() {
        return Collections.unmodifiableSet(indexKeys);
    }

    public void forgetIndexKey(String key) {
        indexKeys.remove(key);
    }

    public ObjectStore store() {
        return store;
    }

    public RepoConfig config() {
        return config;
    }

    public MasterIndex index() {
        return index;
    }

    byte[] dataKey() {
        return keys == null ? null : keys.dataKey;
    }

    BlobCodec codec() {
        return codec;
    }

    /** The FastCDC gear seed: from the config, or derived from the master key. */
    public byte[] gearSeed() {
        return keys != null ? keys.gearSeed : Hex.parse(config.cdc().gearSeed());
    }

    public BlobId hash(byte[] b, int off, int len) {
        return codec.id(b, off, len);
    }

    /**
     * A blob's verified plaintext and, when it is stored against a reference (large trees of an
     * incremental backup), that reference's id and plaintext ({@code ref} and {@code refPlain},
     * null otherwise). {@code chain} lists every blob the reading needed: the reference, and the
     * reference's own reference in the rare case that the copy read was not stored alone.
     */
    public record Decoded(byte[] plain, BlobId ref, byte[] refPlain, List<BlobId> chain) {
        /** True if this blob is stored alone: another may be stored against it. */
        public boolean standalone() {
            return ref == null;
        }
    }

    /**
     * How many references deep a reading may go. Writers store a blob only against one that is
     * stored alone, so a chain is one deep; two copies of one tree stored differently (two
     * backups wrote it at once) can make it longer, and a bound keeps a damaged or hostile
     * repository from looping.
     */
    static final int MAX_REFERENCE_DEPTH = 4;

    /** Reads, decrypts, decompresses and verifies one blob. */
    public byte[] readBlob(BlobId id) throws IOException {
        return read(id, 0).plain();
    }

    /** Like {@link #readBlob}, also giving the references the blob is stored against, if any. */
    public Decoded readBlobWithRef(BlobId id) throws IOException {
        return read(id, 0);
    }

    private Decoded read(BlobId id, int depth) throws IOException {
        MasterIndex.Location loc = index.find(id);
        if (loc == null) throw new RepositoryException(RepositoryException.Kind.CORRUPT, "blob " + id.hex() + " is not in the index (missing data)");
        String key = loc.pack().key();
        if (treePacks != null && loc.type() == BlobType.TREE) {
            PackInfo pack = loc.pack();
            MetadataCache c = cache;
            byte[] whole = treePacks.get(pack.id(), pack.size(),
                    () -> c != null ? c.treePack(pack.id(), pack.size(), () -> wholePack(pack)) : wholePack(pack));
            if (whole != null && loc.offset() + (long) loc.storedLength() <= whole.length) {
                try {
                    return decode(key + " at offset " + loc.offset() + (c != null ? " (cached)" : ""), id, whole, loc.offset(), loc.storedLength(), loc.rawLength(), depth);
                } catch (UncheckedIOException e) {
                    throw e.getCause(); // the reference could not be read
                } catch (RuntimeException damaged) { // read it by range from the store, which names what is wrong
                    treePacks.drop(pack.id());
                    if (c != null) c.evictTree(pack.id());
                }
            }
        }
        if (loc.grouped()) {
            String where = key + " at offset " + loc.offset();
            byte[] group = readGroup(loc);
            verifyBlob(where, id, group, loc.groupOffset(), loc.rawLength());
            return new Decoded(Arrays.copyOfRange(group, loc.groupOffset(), loc.groupOffset() + loc.rawLength()), null, null, List.of());
        }
        byte[] stored = stored(loc);
        try {
            return decode(key + " at offset " + loc.offset(), id, stored, 0, stored.length, loc.rawLength(), depth);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private byte[] stored(MasterIndex.Location loc) throws IOException {
        String key = loc.pack().key();
        byte[] stored = store.get(key, loc.offset(), loc.storedLength());
        if (stored.length != loc.storedLength()) throw new CorruptObjectException(key, "truncated at offset " + (loc.offset() + stored.length));
        return stored;
    }

    /** The whole group of small blocks that a grouped location is part of, decoded (each block is verified by its reader). */
    private byte[] readGroup(MasterIndex.Location loc) throws IOException {
        byte[] stored = stored(loc);
        byte[] group = new byte[loc.groupLength()];
        decodeGroup(loc.pack().key() + " at offset " + loc.offset(), stored, 0, stored.length, group, loc.groupLength());
        return group;
    }

    /**
     * The group of small blocks that {@link #readBlob(BlobId, LastGroup)} decoded last, so that a
     * file's blocks read in order decode each of their groups once.
     */
    public static final class LastGroup {
        private String key;
        private long offset;
        private byte[] group;
    }

    /** Like {@link #readBlob(BlobId)}, decoding a group of small blocks once for all its blocks read one after another. */
    public byte[] readBlob(BlobId id, LastGroup last) throws IOException {
        MasterIndex.Location loc = index.find(id);
        if (loc == null || !loc.grouped()) return readBlob(id);
        String key = loc.pack().key();
        if (last.group == null || !key.equals(last.key) || last.offset != loc.offset()) {
            last.group = readGroup(loc); // if that fails, what it held still matches its key and offset
            last.key = key;
            last.offset = loc.offset();
        }
        verifyBlob(key + " at offset " + loc.offset(), id, last.group, loc.groupOffset(), loc.rawLength());
        return Arrays.copyOfRange(last.group, loc.groupOffset(), loc.groupOffset() + loc.rawLength());
    }

    /** A pack read whole from the store, or null when it does not match its name (its blobs are then read one by one). */
    private byte[] wholePack(PackInfo pack) throws IOException {
        byte[] b = store.get(pack.key());
        return b.length == pack.size() && Crypto.namedBy(b, pack.id()) ? b : null;
    }

    /** Decodes a stored blob, reading the reference it is stored against if it has one. */
    private Decoded decode(String where, BlobId id, byte[] buf, int off, int len, int rawLength, int depth) {
        Decoded[] ref = new Decoded[1];
        BlobId[] refId = new BlobId[1];
        byte[] plain = codec.decode(where, id, buf, off, len, rawLength, r -> {
            if (depth >= MAX_REFERENCE_DEPTH) {
                throw new RepositoryException(RepositoryException.Kind.CORRUPT, "references are nested more than " + MAX_REFERENCE_DEPTH + " deep");
            }
            try {
                ref[0] = read(r, depth + 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            refId[0] = r;
            return ref[0].plain();
        });
        if (ref[0] == null) return new Decoded(plain, null, null, List.of());
        List<BlobId> chain = new ArrayList<>(1 + ref[0].chain().size());
        chain.add(refId[0]);
        chain.addAll(ref[0].chain());
        return new Decoded(plain, refId[0], ref[0].plain(), List.copyOf(chain));
    }

    /**
     * Decodes and verifies the blob stored at {@code buf[off, off + len)}; a blob stored against
     * a reference has the reference read too (an I/O error reading it is thrown unchecked).
     */
    public byte[] decodeBlob(String where, BlobId id, byte[] buf, int off, int len, int rawLength) {
        return decode(where, id, buf, off, len, rawLength, 0).plain();
    }

    /**
     * Decodes the blob stored at {@code buf[off, off + len)} (read from {@code key} at
     * {@code keyOffset}) into {@code dst[dstOff, dstOff + rawLength)}, verifying its id; throws
     * {@link CorruptObjectException} naming the object, offset and blob when it is damaged.
     */
    public void decodeBlobInto(String key, long keyOffset, BlobId id, byte[] buf, int off, int len, byte[] dst, int dstOff, int rawLength) {
        String bad = codec.decodeInto(id, buf, off, len, dst, dstOff, rawLength);
        if (bad != null) throw new CorruptObjectException(key + " at offset " + keyOffset, bad);
    }

    /**
     * Decodes the group stored at {@code buf[off, off + len)} into {@code dst[0, groupLength)};
     * throws {@link CorruptObjectException} naming {@code where} when it is damaged. Its blobs
     * are verified one by one with {@link #verifyBlob} as they are used.
     */
    public void decodeGroup(String where, byte[] buf, int off, int len, byte[] dst, int groupLength) {
        String bad = codec.decodeGroupInto(buf, off, len, dst, groupLength);
        if (bad != null) throw new CorruptObjectException(where, bad);
    }

    /** Checks that {@code plain[off, off + len)} is blob {@code id}; throws {@link CorruptObjectException} naming {@code where} and the blob. */
    public void verifyBlob(String where, BlobId id, byte[] plain, int off, int len) {
        if (!codec.matches(id, plain, off, len)) throw new CorruptObjectException(where, "blob " + id.shortHex() + " in a group does not match its hash (damaged)");
    }

    /** Like {@link #verifyBlob(String, BlobId, byte[], int, int)} for the group at {@code keyOffset} of {@code key}, naming it only on failure. */
    public void verifyBlob(String key, long keyOffset, BlobId id, byte[] plain, int off, int len) {
        if (!codec.matches(id, plain, off, len)) verifyBlob(key + " at offset " + keyOffset, id, plain, off, len);
    }

    /**
     * Verifies a whole pack read from the store: its bytes hash to its name, its header and
     * trailer are intact. Returns the blob list from the trailer.
     */
    public List<Pack.Entry> parsePack(String packId, byte[] whole) {
        String key = "data/" + packId;
        if (!Crypto.namedBy(whole, packId)) {
            throw new CorruptObjectException(key, "content does not match its name (SHA-256 mismatch over " + whole.length + " bytes)");
        }
        Pack.checkHeader(key, whole, config.encrypted());
        Pack.TrailerRead t = Pack.readTrailer(key, whole, whole.length, dataKey(), Pack.version(whole));
        return t.entries();
    }

    /**
     * The index entry of a stored pack, rebuilt from the pack alone: its bytes are read whole and
     * verified (name, header, trailer) as {@link #parsePack} does; its type is its header's.
     */
    public PackInfo readPackInfo(String packId) throws IOException {
        byte[] whole = store.get("data/" + packId);
        List<Pack.Entry> entries = parsePack(packId, whole);
        return new PackInfo(packId, BlobType.of(whole[5], "data/" + packId), whole.length, entries);
    }

    /** The stored form of a tree blob (JSON). */
    public static byte[] encodeTree(Tree t) {
        return TreeCodec.write(t);
    }

    /** The stored form of a chunk list ({@link ChunkLists}). */
    public static byte[] encodeChunkList(List<String> refs) {
        return ChunkLists.encode(refs);
    }

    /** The references of chunk list {@code ref} ({@code l<id>}), read and verified. */
    public List<String> readChunkList(String ref) throws IOException {
        return decodeChunkList(ref, readBlob(BlobId.parse(ChunkLists.listId(ref))));
    }

    /** The references in the plaintext of chunk list {@code ref}, checked. */
    public List<String> decodeChunkList(String ref, byte[] plain) {
        String id = ChunkLists.listId(ref);
        return ChunkLists.decode("chunk list " + id.substring(0, Math.min(12, id.length())), plain);
    }

    /** Takes one chunk reference of a file. */
    @FunctionalInterface
    public interface ChunkVisitor {
        void accept(String ref) throws IOException;
    }

    /**
     * Gives each chunk reference of a file node in order (blob ids and zero runs), reading its
     * chunk lists one at a time: a listed file's references are never all in memory.
     */
    public void forEachChunk(Node file, ChunkVisitor v) throws IOException {
        for (String ref : file.content()) {
            if (!ChunkLists.isList(ref)) {
                v.accept(ref);
                continue;
            }
            for (String r : readChunkList(ref)) v.accept(r);
        }
    }

    public Tree readTree(String id) throws IOException {
        return readTreeWithRef(id).tree();
    }

    /** A tree, its encoded plaintext, and the blob it is stored against (see {@link Decoded}). */
    public record TreeRead(Tree tree, Decoded blob) {}

    public TreeRead readTreeWithRef(String id) throws IOException {
        Decoded d = read(BlobId.parse(id), 0);
        return new TreeRead(TreeCodec.read("tree " + id, d.plain()).validate("tree " + id.substring(0, 12)), d);
    }

    public Packer newPacker(int uploaders) {
        return new Packer(this, uploaders, false);
    }

    /**
     * A packer for a backup with a parent: its data chunks of more than 64 KiB are compressed
     * harder (see {@link Codec#harderLevel}).
     */
    public Packer newIncrementalPacker(int uploaders) {
        return new Packer(this, uploaders, true);
    }

    /** Stores a manifest (the commit point of a backup) and returns its id. */
    public String saveManifest(Manifest m) throws IOException {
        byte[] obj = Envelope.seal(Envelope.Kind.MANIFEST, MetaCodec.writeManifest(m), true, dataKey());
        String id = Hex.of(Crypto.sha256(obj, 0, obj.length));
        store.put("manifests/" + id, ByteBuffer.wrap(obj));
        keep("manifests/" + id, obj, obj.length);
        return id;
    }

    public Manifest loadManifest(String id) throws IOException {
        String key = "manifests/" + id;
        byte[] raw;
        MetadataCache c = cache;
        try {
            raw = c == null ? store.get(key) : c.object(key, () -> store.get(key));
        } catch (ObjectNotFoundException e) {
            throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "backup " + id + " not found in " + store.location());
        }
        Manifest m = MetaCodec.readManifest(key, Envelope.open(key, raw, Envelope.Kind.MANIFEST, dataKey()));
        if (m.v() != Manifest.VERSION) throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED, key + " has manifest version " + m.v());
        return m;
    }

    public List<String> manifestIds() throws IOException {
        List<String> ids = new ArrayList<>();
        for (ObjectInfo o : store.list("manifests/")) ids.add(o.key().substring("manifests/".length()));
        Collections.sort(ids);
        MetadataCache c = cache;
        if (c != null) c.trim("manifests", new HashSet<>(ids)); // forgotten backups
        return ids;
    }

    /**
     * Every backup's manifest: those that read, and those whose object is damaged (it failed its
     * checksum or does not decode), each with what is wrong. A damaged manifest does not stop the
     * others from being listed, restored, kept or pruned; {@code forget ID} or {@code repair
     * manifests} removes it. Other failures (the store, a newer version) still throw.
     */
    public Manifests manifests() throws IOException {
        SortedMap<String, Manifest> readable = new TreeMap<>();
        SortedMap<String, String> damaged = new TreeMap<>();
        for (String id : manifestIds()) {
            try {
                readable.put(id, loadManifest(id));
            } catch (CorruptObjectException e) {
                damaged.put(id, e.getMessage());
            }
        }
        return new Manifests(readable, damaged);
    }

    /** {@link #manifests}: the readable manifests by id, and the damaged ones' ids with what is wrong. */
    public record Manifests(SortedMap<String, Manifest> readable, SortedMap<String, String> damaged) {
        /** One line per damaged manifest: which backup, what is wrong, what to do. */
        public List<String> warnings() {
            List<String> out = new ArrayList<>();
            damaged.forEach((id, why) -> out.add("backup " + id.substring(0, Math.min(12, id.length())) + " is skipped: its manifest is damaged ("
                    + why + "); `coffer repo repair manifests` (or `coffer repo forget " + id.substring(0, Math.min(12, id.length())) + "`) removes it"));
            return out;
        }
    }

    /** Resolves a full id, a unique prefix (at least 4 characters), or "latest". */
    public String resolveBackup(String ref) throws IOException {
        if (ref.equals("latest")) {
            return latestBackup(m -> true).orElseThrow(() ->
                    new RepositoryException(RepositoryException.Kind.NOT_FOUND, "repository " + store.location() + " holds no backups"));
        }
        List<String> ids = manifestIds();
        if (ref.length() < 4 || !Hex.isHex(ref)) {
            throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "'" + ref + "' is not a backup id (give at least 4 hex characters, or 'latest')");
        }
        List<String> hits = ids.stream().filter(i -> i.startsWith(ref)).toList();
        if (hits.isEmpty()) throw new RepositoryException(RepositoryException.Kind.NOT_FOUND, "backup " + ref + " not found in " + store.location());
        if (hits.size() > 1) throw new RepositoryException(RepositoryException.Kind.INVALID_ARGUMENT, "backup id prefix " + ref + " is ambiguous (" + hits.size() + " backups); give more characters");
        return hits.get(0);
    }

    /**
     * The newest backup whose manifest passes {@code filter} (by the manifest's time; equal times go
     * to the larger id, so the answer does not depend on listing order), or empty.
     */
    public Optional<String> latestBackup(Predicate<Manifest> filter) throws IOException {
        String best = null;
        Instant bestTime = null;
        for (var e : manifests().readable().entrySet()) { // a damaged manifest is never the latest
            String id = e.getKey();
            Manifest m = e.getValue();
            if (!filter.test(m)) continue;
            Instant t = Instant.parse(m.time());
            if (bestTime == null || !t.isBefore(bestTime)) {
                best = id;
                bestTime = t;
            }
        }
        return Optional.ofNullable(best);
    }

    public RepoLock lock(boolean exclusive, String purpose) throws IOException {
        return RepoLock.acquire(this, exclusive, purpose);
    }

    @Override
    public void close() throws IOException {
        index.close();
        store.close();
    }
}
