package io.coffer.prune;

/** What a prune removed and kept. */
public record PruneResult(int backups, int packsBefore, int packsDeleted, int packsRepacked, int packsWritten, int garbagePacksDeleted,
                          long bytesBefore, long bytesAfter, long liveBlobs) {
    public long bytesFreed() {
        return bytesBefore - bytesAfter;
    }
}
