package io.coffer.stats;

import io.coffer.repo.BlobId;
import io.coffer.repo.ChunkLists;
import io.coffer.repo.BlobType;
import io.coffer.repo.Manifest;
import io.coffer.repo.MasterIndex;
import io.coffer.repo.Node;
import io.coffer.repo.Repository;
import io.coffer.repo.TreeWalker;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What some backups hold, and what forgetting them would free: the data they reference (each
 * blob once), and the part of it that no other backup references, which a prune after forgetting
 * them removes. Stored sizes of blocks kept in groups are their share of the group's stored bytes.
 *
 * @param files files of the backups, as many times as they are backed up
 * @param logicalBytes their sizes summed (what restoring them all writes)
 * @param blobs distinct data blobs they reference
 * @param rawBytes those blobs' sizes before compression
 * @param storedBytes those blobs' stored sizes
 * @param exclusiveBlobs data and tree blobs that only these backups reference
 * @param exclusiveRawBytes their sizes before compression
 * @param exclusiveStoredBytes their stored sizes: about what forgetting the backups and pruning frees
 */
public record BackupStats(int backups, long files, long logicalBytes, long blobs, long rawBytes, long storedBytes,
        long exclusiveBlobs, long exclusiveRawBytes, long exclusiveStoredBytes) {

    /** The statistics of the backups {@code ids} (full ids), against every other backup of the repository. */
    public static BackupStats of(Repository repo, List<String> ids) throws IOException {
        Set<String> chosen = new HashSet<>(ids);
        Set<BlobId> mine = repo.index().newMarks(), others = repo.index().newMarks(); // a bit per blob
        Set<String> mineTrees = new HashSet<>(), otherTrees = new HashSet<>(); // a tree walked once per side
        long files = 0, logical = 0;
        Repository.Manifests all = repo.manifests();
        for (String id : ids) if (all.damaged().containsKey(id)) repo.loadManifest(id); // names the damage
        for (var e : all.readable().entrySet()) {
            String id = e.getKey();
            Manifest m = e.getValue();
            boolean in = chosen.contains(id);
            if (in && m.stats() != null) {
                files += m.stats().files();
                logical += m.stats().logicalBytes();
            }
            referenced(repo, m, in ? mine : others, in ? mineTrees : otherTrees);
        }
        long blobs = 0, raw = 0, stored = 0, exBlobs = 0, exRaw = 0, exStored = 0;
        for (BlobId b : mine) {
            MasterIndex.Location loc = repo.index().find(b);
            if (loc == null) continue; // missing data: check names it
            long s = loc.grouped() ? (long) loc.storedLength() * loc.rawLength() / Math.max(1, loc.groupLength()) : loc.storedLength();
            if (loc.type() == BlobType.DATA) {
                blobs++;
                raw += loc.rawLength();
                stored += s;
            }
            if (!others.contains(b)) {
                exBlobs++;
                exRaw += loc.rawLength();
                exStored += s;
            }
        }
        return new BackupStats(ids.size(), files, logical, blobs, raw, stored, exBlobs, exRaw, exStored);
    }

    /** Adds every blob a backup references (its trees, and the chunks and blocks of its files) to {@code into}. */
    private static void referenced(Repository repo, Manifest m, Set<BlobId> into, Set<String> seenTrees) throws IOException {
        into.add(BlobId.parse(m.tree()));
        TreeWalker.walk(repo, m.tree(), "", seenTrees, (path, n) -> {
            if (n.isDir()) into.add(BlobId.parse(n.subtree()));
            if (n.isFile()) ChunkLists.addReferenced(repo, n, into);
        }, null, into::addAll);
    }
}
