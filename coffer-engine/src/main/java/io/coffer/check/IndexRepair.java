package io.coffer.check;

import io.coffer.repo.CorruptObjectException;
import io.coffer.repo.PackInfo;
import io.coffer.repo.Repository;
import io.coffer.store.ObjectInfo;
import io.coffer.store.ObjectNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rebuilds what the index lacks from the packs themselves (restic's {@code repair index}): every
 * stored pack that no readable index object lists is read whole, verified (its name is the
 * SHA-256 of its bytes, its header and its trailer check out) and indexed again from its own
 * trailer; then the damaged index objects are removed. A pack that does not verify is left where
 * it is and named: its blobs are lost, and prune would remove it.
 *
 * <p>Run under the repository's exclusive lock: a running backup's packs are in no index until it
 * writes one, and would otherwise be indexed twice.
 */
public final class IndexRepair {
    /** What a repair found and did. */
    public record Result(int packsIndexed, long blobsIndexed, List<String> indexObjectsRemoved, Map<String, String> unreadablePacks,
            boolean dryRun) {}

    private final Repository repo;

    public IndexRepair(Repository repo) {
        this.repo = repo;
    }

    public Result run(boolean dryRun) throws IOException {
        repo.bypassCache(); // what the store holds, not what a cache remembers
        repo.reloadIndex();
        Map<String, String> damaged = new TreeMap<>(repo.indexErrors());
        Set<String> indexed = new HashSet<>();
        for (PackInfo p : repo.index().packs()) indexed.add(p.id());
        List<PackInfo> found = new ArrayList<>();
        Map<String, String> unreadable = new TreeMap<>();
        long blobs = 0;
        for (ObjectInfo o : repo.store().list("data/")) {
            String id = o.key().substring("data/".length());
            if (indexed.contains(id)) continue;
            try {
                PackInfo p = repo.readPackInfo(id);
                found.add(p);
                blobs += p.blobs().size();
            } catch (CorruptObjectException e) {
                unreadable.put(o.key(), e.getMessage());
            } catch (ObjectNotFoundException gone) {
                // removed meanwhile
            }
        }
        List<String> removed = new ArrayList<>(damaged.keySet()); // named as removed: their damaged bytes are gone either way
        if (!dryRun) {
            List<String> written = found.isEmpty() ? List.of() : repo.writeIndex(found);
            // every pack they could have listed is indexed again now (or named as unreadable); a
            // rebuilt index object can have a damaged one's name (the same packs, the same bytes):
            // it replaced the damaged bytes and stays
            for (String key : removed) {
                if (written.contains(key)) continue;
                try {
                    repo.store().delete(key);
                } catch (ObjectNotFoundException gone) {
                    // removed meanwhile
                }
            }
            repo.reloadIndex();
        }
        return new Result(found.size(), blobs, removed, unreadable, dryRun);
    }
}
