package io.coffer.stats;

import io.coffer.repo.BlobType;
import io.coffer.repo.Manifest;
import io.coffer.repo.Pack;
import io.coffer.repo.PackInfo;
import io.coffer.repo.Repository;
import io.coffer.store.ObjectInfo;
import java.io.IOException;

/**
 * Repository usage. {@code logicalBytes} is what all backups would restore; {@code uniqueBytes}
 * the distinct data after deduplication; {@code storedBytes} what the store holds.
 */
public record RepoStats(int backups, long logicalBytes, long uniqueBytes, long blobBytesStored, long storedBytes,
                        long dataBlobs, long treeBlobs, int packs, int objects, long groupedBlobs, long groups) {

    public double dedupRatio() {
        return uniqueBytes == 0 ? 1.0 : (double) logicalBytes / uniqueBytes;
    }

    public double compressionRatio() {
        return blobBytesStored == 0 ? 1.0 : (double) uniqueBytes / blobBytesStored;
    }

    public static RepoStats of(Repository repo) throws IOException {
        long logical = 0;
        int backups = 0;
        for (Manifest m : repo.manifests().readable().values()) {
            logical += m.stats().logicalBytes();
            backups++;
        }
        long unique = 0, stored = 0, data = 0, trees = 0, grouped = 0, groups = 0;
        java.util.Set<io.coffer.repo.BlobId> seen = repo.index().newMarks(); // a bit per blob
        for (PackInfo p : repo.index().packs()) {
            int countedGroup = -1;
            for (Pack.Entry e : p.blobs()) {
                if (!seen.add(e.id())) continue;
                // the blocks of a group share its stored bytes (they are listed one after another): count them once
                if (!e.grouped()) stored += e.storedLength();
                else if (e.offset() != countedGroup) {
                    stored += e.storedLength();
                    countedGroup = e.offset();
                    groups++;
                }
                if (e.grouped()) grouped++;
                if (e.type() == BlobType.DATA) {
                    unique += e.rawLength();
                    data++;
                } else {
                    trees++;
                }
            }
        }
        long total = 0;
        int objects = 0;
        for (ObjectInfo o : repo.store().list("")) {
            total += o.size();
            objects++;
        }
        return new RepoStats(backups, logical, unique, stored, total, data, trees, repo.index().packs().size(), objects, grouped, groups);
    }
}
