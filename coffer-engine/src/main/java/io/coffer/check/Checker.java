package io.coffer.check;

import io.coffer.repo.BlobId;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.GroupReader;
import io.coffer.repo.Manifest;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Pack;
import io.coffer.repo.PackInfo;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.TreeWalker;
import io.coffer.store.ObjectInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies a repository.
 *
 * <pre>
 *   structure: every index object decodes; every indexed pack exists with the indexed size;
 *              every manifest decodes; every tree of every backup decodes; every blob a file
 *              references is indexed. Packs in no index are reported as garbage (warning).
 *   --read-data: every pack is read whole: its bytes hash to its name, its trailer matches the
 *              index, every blob decrypts, decompresses and hashes to its id.
 *   finally:   each damaged or missing blob is traced to the backups and files that use it.
 * </pre>
 */
public final class Checker {
    private final Repository repo;
    private final List<Finding> findings = Collections.synchronizedList(new ArrayList<>());
    /** Damaged or missing blob -> the object that should have held it and why. */
    private final Map<BlobId, String> badBlobs = new ConcurrentHashMap<>();
    private final AtomicLong blobsRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong packsDone = new AtomicLong();
    private volatile int packsTotal;

    public Checker(Repository repo) {
        this.repo = repo;
    }

    public long packsDone() {
        return packsDone.get();
    }

    public int packsTotal() {
        return packsTotal;
    }

    /**
     * Which packs a check reads and verifies: all, the {@code part}-th of {@code parts} fixed parts
     * (by pack id, so that each pack is in exactly one and running 1/t to t/t reads each once), or
     * a random {@code fraction} of them.
     */
    public record Subset(int part, int parts, double fraction) {
        public static final Subset ALL = new Subset(1, 1, 1.0);

        /** {@code n/t} or {@code x%}; anything else is an IllegalArgumentException that says what to give. */
        public static Subset parse(String spec) {
            String s = spec.strip();
            try {
                if (s.endsWith("%")) {
                    double pct = Double.parseDouble(s.substring(0, s.length() - 1));
                    if (pct > 0 && pct <= 100) return new Subset(1, 1, pct / 100);
                } else if (s.indexOf('/') > 0) {
                    int n = Integer.parseInt(s.substring(0, s.indexOf('/')));
                    int t = Integer.parseInt(s.substring(s.indexOf('/') + 1));
                    if (t >= 1 && n >= 1 && n <= t) return new Subset(n, t, 1.0);
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("read-data subset '" + spec + "': give n/t (the n-th of t parts of the packs, e.g. 1/7;"
                    + " running 1/7 to 7/7 reads each pack once) or a percentage of them chosen at random (e.g. 5%)");
        }

        boolean selects(String packId) {
            if (fraction < 1.0) return java.util.concurrent.ThreadLocalRandom.current().nextDouble() < fraction;
            return parts == 1 || Long.parseLong(packId.substring(0, 12), 16) % parts == part - 1;
        }
    }

    public CheckResult run(boolean readData) throws IOException {
        return run(readData ? Subset.ALL : null);
    }

    /** Checks the structure and, unless {@code readData} is null, reads and verifies those packs. */
    public CheckResult run(Subset readData) throws IOException {
        // what the store holds, not the local metadata cache
        repo.bypassCache();
        repo.reloadIndex();
        for (var e : repo.indexErrors().entrySet()) {
            findings.add(new Finding(Finding.Severity.ERROR, e.getKey(), e.getValue()
                    + "; the packs it listed look unindexed: `coffer repo repair index` indexes them again from their own trailers (before any prune)", List.of()));
        }
        checkPacksExist();
        if (readData != null) readPacks(readData);
        List<String> ids = repo.manifestIds();
        Map<String, Manifest> manifests = new HashMap<>();
        for (String id : ids) {
            try {
                manifests.put(id, repo.loadManifest(id));
            } catch (RepositoryException e) {
                String what = e instanceof io.coffer.repo.CorruptObjectException
                        ? e.getMessage() + "; its backup cannot be restored: `coffer repo repair manifests` removes it (every other backup is unaffected)"
                        : e.getMessage();
                findings.add(new Finding(Finding.Severity.ERROR, "manifests/" + id, what, List.of("backup " + id.substring(0, 12))));
            }
        }
        int trees = walkBackups(manifests);
        return new CheckResult(manifests.size(), trees, repo.index().packs().size(), (int) packsDone.get(), blobsRead.get(), bytesRead.get(), findings);
    }

    private void checkPacksExist() throws IOException {
        Map<String, Long> stored = new HashMap<>();
        for (ObjectInfo o : repo.store().list("data/")) stored.put(o.key().substring(5), o.size());
        Set<String> indexed = new HashSet<>();
        for (PackInfo p : repo.index().packs()) {
            indexed.add(p.id());
            Long size = stored.get(p.id());
            if (size == null) {
                findings.add(new Finding(Finding.Severity.ERROR, p.key(), "pack is in the index but missing from the store", List.of()));
                for (Pack.Entry e : p.blobs()) badBlobs.putIfAbsent(e.id(), p.key() + " (missing)");
            } else if (size != p.size()) {
                findings.add(new Finding(Finding.Severity.ERROR, p.key(), "pack has " + size + " bytes, the index says " + p.size(), List.of()));
                for (Pack.Entry e : p.blobs()) badBlobs.putIfAbsent(e.id(), p.key() + " (wrong size)");
            }
        }
        for (String id : stored.keySet()) {
            if (!indexed.contains(id)) {
                findings.add(new Finding(Finding.Severity.WARNING, "data/" + id, repo.indexErrors().isEmpty()
                        ? "pack is in no index (left by an interrupted backup or prune, and prune removes it; if check also reports blobs"
                                + " missing from the index, run `coffer repo repair index` instead, which indexes it again)"
                        : "pack is in no index, and an index object is damaged: run `coffer repo repair index`, which indexes it again"
                                + " from its own trailer (prune refuses to run until the backups' blobs are all indexed)", List.of()));
            }
        }
    }

    private void readPacks(Subset subset) {
        List<PackInfo> packs = new ArrayList<>();
        for (PackInfo p : repo.index().packs()) if (subset.selects(p.id())) packs.add(p);
        packsTotal = packs.size();
        packs.parallelStream().forEach(p -> {
            try {
                verifyPack(p);
            } catch (IOException e) {
                findings.add(new Finding(Finding.Severity.ERROR, p.key(), "cannot read: " + e.getMessage(), List.of()));
                for (Pack.Entry en : p.blobs()) badBlobs.putIfAbsent(en.id(), p.key() + " (unreadable)");
            }
            packsDone.incrementAndGet();
        });
    }

    private void verifyPack(PackInfo p) throws IOException {
        byte[] whole;
        try {
            whole = repo.store().get(p.key());
        } catch (io.coffer.store.ObjectNotFoundException e) {
            return; // reported by checkPacksExist
        }
        bytesRead.addAndGet(whole.length);
        List<Pack.Entry> trailer = null;
        try {
            trailer = repo.parsePack(p.id(), whole);
        } catch (RepositoryException e) {
            findings.add(new Finding(Finding.Severity.ERROR, p.key(), e.getMessage(), List.of()));
        }
        if (trailer != null && !new HashSet<>(trailer).equals(new HashSet<>(p.blobs()))) {
            findings.add(new Finding(Finding.Severity.ERROR, p.key(), "pack trailer does not match the index entries", List.of()));
        }
        // Whatever the pack-level result, decode every indexed blob to name exactly what is damaged.
        // A group is decoded once, and each of its blocks checked against its own id.
        GroupReader groups = new GroupReader(repo, p.key(), whole);
        int reportedGroupAt = -1;
        for (Pack.Entry e : p.blobs()) {
            MasterIndex.Location loc = repo.index().find(e.id());
            String where = p.key() + " at offset " + e.offset();
            try {
                if (e.offset() + e.storedLength() > whole.length) throw new RepositoryException(RepositoryException.Kind.CORRUPT, where + ": blob extends past the end of the pack");
                if (e.grouped()) {
                    groups.group(e);
                } else {
                    repo.decodeBlob(where, e.id(), whole, e.offset(), e.storedLength(), e.rawLength());
                }
                blobsRead.incrementAndGet();
            } catch (java.io.UncheckedIOException ex) {
                // the blob it is stored against could not be read: reported as that pack's problem
                findings.add(new Finding(Finding.Severity.ERROR, p.key(), where + ": cannot read the blob it is stored against: " + ex.getCause().getMessage(), List.of()));
            } catch (RepositoryException ex) {
                // only matters if this copy is the one the index uses
                if (loc != null && loc.pack().id().equals(p.id())) {
                    badBlobs.put(e.id(), ex.getMessage());
                    // a damaged group is one finding, not one per block (each block is still traced to its files)
                    boolean shared = e.grouped() && groups.failedGroup(e.offset(), ex);
                    if (!(shared && e.offset() == reportedGroupAt)) {
                        findings.add(new Finding(Finding.Severity.ERROR, p.key(), ex.getMessage(), List.of()));
                    }
                    if (shared) reportedGroupAt = e.offset();
                }
            }
        }
    }

    /** Walks all backups; finds unreadable trees and unindexed blobs; names what damaged blobs hurt. */
    private int walkBackups(Map<String, Manifest> manifests) throws IOException {
        Map<BlobId, List<String>> hurt = new HashMap<>();
        Set<String> treesSeen = new HashSet<>();
        Set<String> cleanLists = new HashSet<>();
        for (var me : manifests.entrySet()) {
            String backup = "backup " + me.getKey().substring(0, 12);
            Manifest m = me.getValue();
            checkTreeBlob(m.tree(), backup, "/", hurt);
            TreeWalker.walk(repo, m.tree(), "", null, (path, n) -> {
                if (n.isDir()) {
                    checkTreeBlob(n.subtree(), backup, path, hurt);
                    treesSeen.add(n.subtree());
                }
                if (!n.isFile()) return;
                for (String ref : n.content()) {
                    if (Node.isZero(ref)) continue;
                    if (ChunkLists.isList(ref)) {
                        checkChunkList(ref, backup, path, hurt, cleanLists);
                        continue;
                    }
                    checkChunk(ref, backup, path, hurt);
                }
            }, (path, tree, e) -> findings.add(new Finding(Finding.Severity.ERROR, "tree " + tree.substring(0, 12),
                    "cannot read directory listing: " + e.getMessage(), List.of(backup + ": " + (path.isEmpty() ? "/" : path) + " and everything below"))));
            treesSeen.add(m.tree());
        }
        // One finding per cause: the blocks of one damaged group share theirs, and a file that
        // uses many of them is named once.
        Map<String, List<BlobId>> blobsByCause = new java.util.LinkedHashMap<>();
        Map<String, Set<String>> filesByCause = new HashMap<>();
        for (var e : hurt.entrySet()) {
            String why = badBlobs.get(e.getKey());
            blobsByCause.computeIfAbsent(why, k -> new ArrayList<>()).add(e.getKey());
            filesByCause.computeIfAbsent(why, k -> new java.util.LinkedHashSet<>()).addAll(e.getValue());
        }
        for (var e : blobsByCause.entrySet()) {
            List<BlobId> blobs = e.getValue();
            List<String> files = new ArrayList<>(filesByCause.get(e.getKey()));
            String object = blobs.size() == 1 ? "blob " + blobs.get(0).shortHex() : blobs.size() + " blobs (" + blobs.get(0).shortHex() + " and others)";
            findings.add(new Finding(Finding.Severity.ERROR, object, "damaged data is used by " + files.size() + " file(s): " + e.getKey(), files));
        }
        return treesSeen.size();
    }

    private boolean checkChunk(String ref, String backup, String path, Map<BlobId, List<String>> hurt) {
        BlobId id = BlobId.parse(ref);
        if (!repo.index().contains(id)) badBlobs.putIfAbsent(id, "blob " + id.shortHex() + " is not in any index (missing)");
        if (!badBlobs.containsKey(id)) return true;
        hurt.computeIfAbsent(id, k -> new ArrayList<>()).add(backup + ": " + path);
        return false;
    }

    /**
     * Checks a chunk list and the chunks it names. A list whose chunks were all found before (in
     * another backup) is not read again; one with a bad chunk is, so that each file it hurts is named.
     */
    private void checkChunkList(String ref, String backup, String path, Map<BlobId, List<String>> hurt, Set<String> cleanLists) {
        if (cleanLists.contains(ref)) return;
        BlobId id = BlobId.parse(ChunkLists.listId(ref));
        if (!repo.index().contains(id)) badBlobs.putIfAbsent(id, "chunk list " + id.shortHex() + " is not in any index (missing)");
        List<String> refs = null;
        if (!badBlobs.containsKey(id)) {
            try {
                refs = repo.readChunkList(ref);
            } catch (IOException | RepositoryException e) {
                badBlobs.putIfAbsent(id, "chunk list " + id.shortHex() + " cannot be read: " + e.getMessage());
            }
        }
        if (refs == null) {
            hurt.computeIfAbsent(id, k -> new ArrayList<>()).add(backup + ": " + path + " (chunk list)");
            return;
        }
        boolean clean = true;
        for (String r : refs) if (!Node.isZero(r)) clean &= checkChunk(r, backup, path, hurt);
        if (clean) cleanLists.add(ref);
    }

    private void checkTreeBlob(String treeId, String backup, String path, Map<BlobId, List<String>> hurt) {
        BlobId id = BlobId.parse(treeId);
        if (!repo.index().contains(id)) badBlobs.putIfAbsent(id, "tree blob " + id.shortHex() + " is not in any index (missing)");
        if (badBlobs.containsKey(id)) hurt.computeIfAbsent(id, k -> new ArrayList<>()).add(backup + ": " + path + " (directory listing)");
    }
}
