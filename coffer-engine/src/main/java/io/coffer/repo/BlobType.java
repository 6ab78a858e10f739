package io.coffer.repo;

/** What a blob holds; data and tree blobs live in separate packs. */
public enum BlobType {
    DATA(1),
    TREE(2);

    final int code;

    BlobType(int code) {
        this.code = code;
    }

    public static BlobType of(int code, String where) {
        for (BlobType t : values()) if (t.code == code) return t;
        throw new CorruptObjectException(where, "unknown blob type " + code);
    }
}
