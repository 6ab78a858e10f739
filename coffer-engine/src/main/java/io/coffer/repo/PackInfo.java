package io.coffer.repo;

import java.util.List;

/** A pack as recorded in an index: its id (hex SHA-256 of its bytes), blob type, size and blobs. */
public record PackInfo(String id, BlobType type, long size, List<Pack.Entry> blobs) {
    public PackInfo {
        if (!(blobs instanceof MasterIndex.Entries)) blobs = List.copyOf(blobs); // a view of the index's entries is kept as it is
    }

    public String key() {
        return "data/" + id;
    }
}
