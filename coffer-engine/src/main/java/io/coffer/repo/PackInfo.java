package io.coffer.repo;

import java.util.List;

/** A pack as recorded in an index: its id (hex SHA-256 of its bytes), blob type, size and blobs. */
public record PackInfo(String id, BlobType type, long size, List<Pack.Entry> blobs) {
    public PackInfo {
        blobs = List.copyOf(blobs);
    }

    public String key() {
        return "data/" + id;
    }
}
