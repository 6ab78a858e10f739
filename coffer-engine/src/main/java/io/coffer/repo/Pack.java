package io.coffer.repo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;

/**
 * The pack format. A pack is one object {@code data/<sha256 of the pack>} holding blobs of one
 * type:
 *
 * <pre>
 *   "CPAK" | version u8 (1 or 2) | type u8 | flags u8 (bit1: encrypted) | 0 u8
 *   blob 0 | blob 1 | ...                      each blob: codec u8 | payload, sealed as a whole when encrypted;
 *                                              in version 2 also groups of blobs, stored as one such frame
 *   trailer                                    u32 count, then per blob: type u8 | id[32] | offset u32 | stored u32 | raw u32
 *                                              version 2 adds: group length u32 | offset in group u32
 *                                              (sealed with AAD "CPAK trailer" when encrypted)
 *   u32 trailer length | SHA-256(trailer)[32] | "KAPC"
 * </pre>
 *
 * A blob in a group ({@link Entry#grouped()}) has the group's offset and stored length, its own
 * raw length, the length of the group's plaintext and its own offset in that plaintext: the group
 * is decoded whole and the blob is the slice, verified against its own id.
 */
public final class Pack {
    static final byte[] MAGIC = "CPAK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "KAPC".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** Packs that may hold groups ({@link RepoConfig#GROUPS}). */
    static final int VERSION_GROUPS = 2;
    static final int HEADER = 8;
    static final int FOOTER = 4 + 32 + 4;
    static final int ENTRY = 1 + 32 + 4 + 4 + 4;
    static final int ENTRY_V2 = ENTRY + 4 + 4;
    static final byte[] TRAILER_AAD = "CPAK trailer".getBytes(StandardCharsets.US_ASCII);

    /**
     * A blob's place in a pack. A blob stored alone has {@code groupLength} 0; one in a group has
     * the group's {@code offset} and {@code storedLength}, and its bytes are
     * {@code [groupOffset, groupOffset + rawLength)} of the group's {@code groupLength} bytes.
     */
    public record Entry(BlobType type, BlobId id, int offset, int storedLength, int rawLength, int groupLength, int groupOffset) {
        public Entry(BlobType type, BlobId id, int offset, int storedLength, int rawLength) {
            this(type, id, offset, storedLength, rawLength, 0, 0);
        }

        public boolean grouped() {
            return groupLength > 0;
        }
    }

    private Pack() {}

    static byte[] header(BlobType type, boolean encrypted) {
        return header(type, encrypted, VERSION);
    }

    static byte[] header(BlobType type, boolean encrypted, int version) {
        return new byte[] {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], (byte) version, (byte) type.code, (byte) (encrypted ? 2 : 0), 0};
    }

    /** The most bytes the trailer and footer of a pack of {@code blobs} blobs take (sealed or not). */
    static int trailerSize(int blobs, int version) {
        return 4 + blobs * (version == VERSION_GROUPS ? ENTRY_V2 : ENTRY) + Crypto.NONCE + Crypto.TAG + FOOTER;
    }

    /** The pack format version a header names (checked by {@link #checkHeader}). */
    static int version(byte[] head) {
        return head[4];
    }

    static byte[] trailer(List<Entry> entries, byte[] key) {
        return trailer(entries, key, VERSION);
    }

    static byte[] trailer(List<Entry> entries, byte[] key, int version) {
        boolean v2 = version == VERSION_GROUPS;
        ByteBuffer bb = ByteBuffer.allocate(4 + entries.size() * (v2 ? ENTRY_V2 : ENTRY));
        bb.putInt(entries.size());
        for (Entry e : entries) {
            if (!v2 && e.grouped()) throw new IllegalStateException("a version 1 pack cannot hold a group");
            bb.put((byte) e.type().code);
            e.id().writeTo(bb);
            bb.putInt(e.offset()).putInt(e.storedLength()).putInt(e.rawLength());
            if (v2) bb.putInt(e.groupLength()).putInt(e.groupOffset());
        }
        byte[] body = bb.array();
        if (key != null) body = Crypto.seal(key, body, 0, body.length, TRAILER_AAD);
        ByteBuffer out = ByteBuffer.allocate(body.length + FOOTER);
        out.put(body).putInt(body.length).put(Crypto.sha256(body, 0, body.length)).put(END);
        return out.array();
    }

    /**
     * Reads the blob list of a pack from its last bytes. {@code tail} holds the final
     * {@code tail.length} bytes of a pack of {@code packSize} bytes; if the trailer is longer, the
     * returned value asks for more via {@link TrailerRead#need()}.
     */
    record TrailerRead(List<Entry> entries, int need) {}

    static TrailerRead readTrailer(String key, byte[] tail, long packSize, byte[] dataKey) {
        return readTrailer(key, tail, packSize, dataKey, VERSION);
    }

    /** Like {@link #readTrailer(String, byte[], long, byte[])}, for a pack of format {@code version}. */
    static TrailerRead readTrailer(String key, byte[] tail, long packSize, byte[] dataKey, int version) {
        if (tail.length < FOOTER) throw new CorruptObjectException(key, "pack too short (" + packSize + " bytes)");
        ByteBuffer f = ByteBuffer.wrap(tail, tail.length - FOOTER, FOOTER);
        int len = f.getInt();
        byte[] sum = new byte[32];
        f.get(sum);
        if (!Crypto.equalsAt(tail, tail.length - 4, END)) {
            throw new CorruptObjectException(key, "bad end marker at offset " + (packSize - 4) + " (truncated or damaged pack)");
        }
        if (len < 4 || (long) len + FOOTER + HEADER > packSize) throw new CorruptObjectException(key, "bad trailer length " + len);
        if (len + FOOTER > tail.length) return new TrailerRead(null, len + FOOTER);
        int start = tail.length - FOOTER - len;
        byte[] body = Arrays.copyOfRange(tail, start, start + len);
        if (!Arrays.equals(Crypto.sha256(body, 0, len), sum)) {
            throw new CorruptObjectException(key, "trailer checksum mismatch at offset " + (packSize - FOOTER - len));
        }
        if (dataKey != null) {
            try {
                body = Crypto.open(dataKey, body, 0, body.length, TRAILER_AAD);
            } catch (AEADBadTagException e) {
                throw new CorruptObjectException(key, "trailer does not decrypt (damaged, or written under another key)");
            }
        }
        ByteBuffer bb = ByteBuffer.wrap(body);
        int n = bb.getInt();
        boolean v2 = version == VERSION_GROUPS;
        if (n < 0 || (long) n * (v2 ? ENTRY_V2 : ENTRY) + 4 != body.length) {
            throw new CorruptObjectException(key, "trailer declares " + n + " blobs but holds " + body.length + " bytes");
        }
        List<Entry> out = new ArrayList<>(n);
        long dataEnd = packSize - FOOTER - len;
        for (int i = 0; i < n; i++) {
            BlobType t = BlobType.of(bb.get(), key);
            BlobId id = BlobId.readFrom(bb);
            int off = bb.getInt(), stored = bb.getInt(), raw = bb.getInt();
            int group = v2 ? bb.getInt() : 0, within = v2 ? bb.getInt() : 0;
            if (off < HEADER || stored < 1 || raw < 0 || (long) off + stored > dataEnd) {
                throw new CorruptObjectException(key, "trailer entry " + i + " (blob " + id.shortHex() + ") points outside the pack");
            }
            if (!validGroup(raw, group, within)) {
                throw new CorruptObjectException(key, "trailer entry " + i + " (blob " + id.shortHex() + ") points outside its group");
            }
            out.add(new Entry(t, id, off, stored, raw, group, within));
        }
        return new TrailerRead(out, 0);
    }

    /** A blob alone has no group; one in a group lies inside it. */
    static boolean validGroup(int raw, int groupLength, int groupOffset) {
        if (groupLength == 0) return groupOffset == 0;
        return groupLength > 0 && groupOffset >= 0 && (long) groupOffset + raw <= groupLength;
    }

    static void checkHeader(String key, byte[] head, boolean encrypted) {
        if (head.length < HEADER || !Crypto.equalsAt(head, 0, MAGIC)) throw new CorruptObjectException(key, "bad pack magic at offset 0");
        if (head[4] != VERSION && head[4] != VERSION_GROUPS) {
            throw new RepositoryException(RepositoryException.Kind.UNSUPPORTED,
                    "pack " + key + " has format version " + head[4] + "; this Coffer reads " + VERSION + " and " + VERSION_GROUPS + " (upgrade Coffer)");
        }
        if (head[5] != BlobType.DATA.code && head[5] != BlobType.TREE.code) throw new CorruptObjectException(key, "bad blob type " + head[5] + " at offset 5");
        if (head[6] != (encrypted ? 2 : 0) || head[7] != 0) throw new CorruptObjectException(key, "bad pack flags at offset 6");
    }
}
