package io.coffer.repo;

/**
 * Reads the grouped blobs of one pack held whole, entry by entry in the order the pack lists
 * them: each group is decoded once (its blobs are listed one after another), and each blob is
 * verified against its own id. A group that cannot be decoded fails every blob of it with the
 * same exception.
 */
public final class GroupReader {
    private final Repository repo;
    private final String key;
    private final byte[] pack;
    private int at = -1;
    private byte[] plain;
    private RepositoryException failed;

    public GroupReader(Repository repo, String key, byte[] pack) {
        this.repo = repo;
        this.key = key;
        this.pack = pack;
    }

    /**
     * The plaintext of the group that {@code e} lies in, with {@code e}'s slice
     * ({@code [groupOffset, groupOffset + rawLength)}) verified; throws {@link RepositoryException}
     * naming the pack and offset when the group or the blob is damaged.
     */
    public byte[] group(Pack.Entry e) {
        String where = key + " at offset " + e.offset();
        if (at != e.offset()) {
            at = e.offset();
            plain = new byte[e.groupLength()];
            failed = null;
            try {
                repo.decodeGroup(where, pack, e.offset(), e.storedLength(), plain, e.groupLength());
            } catch (RepositoryException ex) {
                failed = ex;
            }
        }
        if (failed != null) throw failed;
        if (plain.length != e.groupLength()) {
            throw new RepositoryException(RepositoryException.Kind.CORRUPT, where + ": blob " + e.id().shortHex() + " names a group of another length");
        }
        repo.verifyBlob(where, e.id(), plain, e.groupOffset(), e.rawLength());
        return plain;
    }

    /** True if {@code ex} is the failure of the group at {@code offset}, which every blob of it shares. */
    public boolean failedGroup(int offset, RepositoryException ex) {
        return at == offset && failed != null && ex == failed;
    }
}
