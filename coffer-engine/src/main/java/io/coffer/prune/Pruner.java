package io.coffer.prune;

import io.coffer.repo.BlobId;
import io.coffer.repo.BlobMarks;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.BlockGroup;
import io.coffer.repo.GroupReader;
import io.coffer.repo.Manifest;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Pack;
import io.coffer.repo.PackInfo;
import io.coffer.repo.Packer;
import io.coffer.repo.RepoLock;
import io.coffer.repo.Repository;
import io.coffer.repo.RepositoryException;
import io.coffer.repo.TreeWalker;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes data no backup references.
 *
 * <pre>
 *   lock exclusively (no backup runs, so no blob is "about to be referenced")
 *   mark:   walk every manifest's trees; live = tree blobs + data blobs they name + the blobs
 *           trees are stored against (any unreadable tree aborts: what it references cannot be known)
 *   plan:   per indexed pack: no live blob -> delete; live share below (1 - maxUnused) -> repack;
 *           packs in no index (left by crashes) -> delete
 *   repack: copy live blobs, still encoded, into new packs (the live blocks of a group, verified,
 *           into new groups); flush (packs, then their index)
 *   commit: write a full new index of every live blob, then delete the old index objects,
 *           then delete the dropped packs
 * </pre>
 * A crash before the old indexes are deleted leaves duplicate entries (harmless); after, it leaves
 * unindexed packs, which the next prune deletes.
 */
public final class Pruner {
    private final Repository repo;
    private final double maxUnused;

    /** {@code maxUnused}: a pack with a larger share of unused bytes is repacked (0..1). */
    public Pruner(Repository repo, double maxUnused) {
        if (maxUnused < 0 || maxUnused > 1) throw new IllegalArgumentException("maxUnused must be in 0..1");
        this.repo = repo;
        this.maxUnused = maxUnused;
    }

    public PruneResult run() throws IOException {
        try (RepoLock lock = repo.lock(true, "prune")) {
            repo.loadIndex();
            if (!repo.indexErrors().isEmpty()) {
                throw new RepositoryException(RepositoryException.Kind.CORRUPT,
                        "index objects cannot be read (" + String.join(", ", repo.indexErrors().keySet()) + "): run `coffer repo repair index`"
                                + " (it lists the packs again from their own trailers), then prune; nothing was deleted");
            }
            BlobMarks live = mark();
            if (!live.unindexed().isEmpty()) {
                // the index does not list everything the backups use: an index object is damaged or
                // missing, and the packs it listed look like garbage. Deleting them would lose data.
                throw new RepositoryException(RepositoryException.Kind.CORRUPT, live.unindexed().size()
                        + " blob(s) that backups use are in no index (" + live.unindexed().iterator().next().shortHex()
                        + ", ...): an index object is damaged or missing. Run `coffer repo repair index` (it lists the packs"
                        + " again from their own trailers), then prune; nothing was deleted");
            }
            List<ObjectInfo> storedPacks = repo.store().list("data/");
            long bytesBefore = storedPacks.stream().mapToLong(ObjectInfo::size).sum();
            Set<String> oldIndex = new HashSet<>();
            for (ObjectInfo o : repo.store().list("index/")) oldIndex.add(o.key());

            List<PackInfo> keep = new ArrayList<>();
            List<PackInfo> repack = new ArrayList<>();
            List<PackInfo> drop = new ArrayList<>();
            Set<BlobId> owned = repo.index().newMarks();
            for (PackInfo p : repo.index().packs()) {
                long used = 0, total = 0;
                for (Pack.Entry e : p.blobs()) {
                    long share = storedShare(e);
                    total += share;
                    if (isOwnedLive(p, e, live)) used += share;
                }
                if (used == 0) drop.add(p);
                else if (total - used > maxUnused * total) repack.add(p);
                else keep.add(p);
            }
            for (PackInfo p : keep) for (Pack.Entry e : p.blobs()) if (isOwnedLive(p, e, live)) owned.add(e.id());

            int written = 0;
            List<PackInfo> fresh = new ArrayList<>();
            if (!repack.isEmpty()) {
                Packer packer = repo.newPacker(2);
                BlockGroup regroup = new BlockGroup();
                try {
                    for (PackInfo p : repack) {
                        byte[] whole = repo.store().get(p.key());
                        GroupReader groups = new GroupReader(repo, p.key(), whole);
                        for (Pack.Entry e : p.blobs()) {
                            if (!isOwnedLive(p, e, live) || owned.contains(e.id())) continue;
                            if (e.grouped()) {
                                // The live blocks of a group go into a new group, verified on the
                                // way; the dead ones are left behind with the old pack.
                                byte[] group = groups.group(e);
                                if (packer.claimCopy(e.id())) packer.group(regroup, e.id(), group, e.groupOffset(), e.rawLength());
                                owned.add(e.id());
                                continue;
                            }
                            // verify before copying: a prune must not spread damage
                            try {
                                repo.decodeBlob(p.key() + " at offset " + e.offset(), e.id(), whole, e.offset(), e.storedLength(), e.rawLength());
                            } catch (java.io.UncheckedIOException io) {
                                throw io.getCause(); // the blob it is stored against could not be read
                            }
                            packer.copy(e.type(), e.id(), whole, e.offset(), e.storedLength(), e.rawLength());
                            owned.add(e.id());
                        }
                    }
                    packer.store(regroup);
                    packer.flush();
                } finally {
                    packer.close();
                }
                Set<String> known = new HashSet<>();
                for (PackInfo p : keep) known.add(p.id());
                for (PackInfo p : repack) known.add(p.id());
                for (PackInfo p : drop) known.add(p.id());
                for (PackInfo p : repo.index().packs()) if (!known.contains(p.id())) fresh.add(p);
                written = fresh.size();
            }

            // Commit: the new index covers exactly the live blobs in kept and fresh packs.
            List<PackInfo> newIndex = new ArrayList<>();
            for (PackInfo p : keep) newIndex.add(p);
            newIndex.addAll(fresh);
            Set<String> newIndexKeys = new HashSet<>(repo.writeIndex(newIndex));
            for (String k : oldIndex) {
                if (newIndexKeys.contains(k)) continue; // rewritten with identical content
                deleteQuietly(k);
                repo.forgetIndexKey(k);
            }
            Set<String> remain = new HashSet<>();
            for (PackInfo p : newIndex) remain.add(p.id());
            int garbage = 0;
            for (ObjectInfo o : storedPacks) {
                String id = o.key().substring(5);
                if (remain.contains(id)) continue;
                boolean indexed = repo.index().pack(id) != null;
                deleteQuietly(o.key());
                if (!indexed) garbage++;
            }
            repo.reloadIndex();
            long bytesAfter = repo.store().list("data/").stream().mapToLong(ObjectInfo::size).sum();
            return new PruneResult(repo.manifestIds().size(), storedPacks.size(), drop.size(), repack.size(), written, garbage,
                    bytesBefore, bytesAfter, live.size());
        }
    }

    /**
     * The stored bytes a blob accounts for: its own, or its raw share of its group's (the blocks
     * of a group share its stored bytes in proportion to their sizes).
     */
    static long storedShare(Pack.Entry e) {
        return e.grouped() ? (long) e.storedLength() * e.rawLength() / e.groupLength() : e.storedLength();
    }

    private boolean isOwnedLive(PackInfo p, Pack.Entry e, Set<BlobId> live) {
        if (!live.contains(e.id())) return false;
        MasterIndex.Location loc = repo.index().find(e.id());
        return loc != null && loc.pack().id().equals(p.id());
    }

    private void deleteQuietly(String key) throws IOException {
        try {
            repo.store().delete(key);
        } catch (ObjectNotFoundException gone) {
            // already removed
        }
    }

    private BlobMarks mark() throws IOException {
        BlobMarks live = repo.index().newMarks(); // a bit per blob, not an object

        Set<String> seen = new HashSet<>();
        // a damaged manifest's backup cannot be restored: what only it references goes (it is named
        // to the user before, and check reports it)
        Map<String, Manifest> manifests = repo.manifests().readable();
        for (var me : manifests.entrySet()) {
            String root = me.getValue().tree();
            live.add(BlobId.parse(root));
            try {
                TreeWalker.walk(repo, root, "", seen, (path, n) -> {
                    if (n.isDir()) live.add(BlobId.parse(n.subtree()));
                    if (n.isFile()) ChunkLists.addReferenced(repo, n, live);
                }, null, live::addAll);
            } catch (RepositoryException e) {
                // a tree or chunk list that cannot be read: what it references is unknown, so nothing may go
                throw new RepositoryException(RepositoryException.Kind.CORRUPT, "backup " + me.getKey().substring(0, 12)
                        + " cannot be walked (" + e.getMessage() + "), so what it uses is unknown; nothing was deleted."
                        + " Run `coffer repo check`; if an index object is damaged, `coffer repo repair index` first");
            }
        }
        return live;
    }
}
