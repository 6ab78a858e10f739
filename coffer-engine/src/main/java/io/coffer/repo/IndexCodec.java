package io.coffer.repo;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Payload of an {@code index/<id>} object (inside an {@link Envelope}, zstd-compressed):
 *
 * <pre>
 *   u32 pack count
 *   per pack: id[32] | type u8 | size u64 | u32 blob count | per blob: id[32] | offset u32 | stored u32 | raw u32
 *             version 2 adds per blob: group length u32 | offset in group u32 (see {@link Pack.Entry})
 * </pre>
 *
 * An index object is version 2 when one of its blobs is in a group, else version 1, which a
 * Coffer without groups reads too.
 */
final class IndexCodec {
    private IndexCodec() {}

    static final int V1 = 1;
    static final int V2 = 2;

    /** The version {@link #encode} writes for these packs. */
    static int versionFor(List<PackInfo> packs) {
        for (PackInfo p : packs) for (Pack.Entry e : p.blobs()) if (e.grouped()) return V2;
        return V1;
    }

    static byte[] encode(List<PackInfo> packs) {
        return encode(packs, versionFor(packs));
    }

    static byte[] encode(List<PackInfo> packs, int version) {
        boolean v2 = version == V2;
        int entry = v2 ? 52 : 44;
        int size = 4;
        for (PackInfo p : packs) size += 32 + 1 + 8 + 4 + p.blobs().size() * entry;
        ByteBuffer bb = ByteBuffer.allocate(size);
        bb.putInt(packs.size());
        for (PackInfo p : packs) {
            bb.put(Hex.parse(p.id())).put((byte) p.type().code).putLong(p.size()).putInt(p.blobs().size());
            for (Pack.Entry e : p.blobs()) {
                e.id().writeTo(bb);
                bb.putInt(e.offset()).putInt(e.storedLength()).putInt(e.rawLength());
                if (v2) bb.putInt(e.groupLength()).putInt(e.groupOffset());
                else if (e.grouped()) throw new IllegalStateException("a version 1 index cannot list a group");
            }
        }
        return bb.array();
    }

    static List<PackInfo> decode(String where, byte[] payload) {
        return decode(where, payload, V1);
    }

    static List<PackInfo> decode(String where, Envelope.Opened o) {
        return decode(where, o.body(), o.version());
    }

    static List<PackInfo> decode(String where, byte[] payload, int version) {
        boolean v2 = version == V2;
        int entry = v2 ? 52 : 44;
        try {
            ByteBuffer bb = ByteBuffer.wrap(payload);
            int n = bb.getInt();
            if (n < 0) throw new CorruptObjectException(where, "negative pack count");
            List<PackInfo> out = new ArrayList<>(Math.min(n, 1 << 16));
            for (int i = 0; i < n; i++) {
                byte[] id = new byte[32];
                bb.get(id);
                BlobType type = BlobType.of(bb.get(), where);
                long size = bb.getLong();
                int count = bb.getInt();
                if (count < 0 || (long) count * entry > bb.remaining()) throw new CorruptObjectException(where, "bad blob count for pack " + i);
                List<Pack.Entry> blobs = new ArrayList<>(count);
                for (int j = 0; j < count; j++) {
                    BlobId b = BlobId.readFrom(bb);
                    int off = bb.getInt(), stored = bb.getInt(), raw = bb.getInt();
                    int group = v2 ? bb.getInt() : 0, within = v2 ? bb.getInt() : 0;
                    if (!Pack.validGroup(raw, group, within)) {
                        throw new CorruptObjectException(where, "blob " + b.shortHex() + " of pack " + i + " points outside its group");
                    }
                    blobs.add(new Pack.Entry(type, b, off, stored, raw, group, within));
                }
                out.add(new PackInfo(Hex.of(id), type, size, blobs));
            }
            if (bb.hasRemaining()) throw new CorruptObjectException(where, bb.remaining() + " trailing bytes");
            return out;
        } catch (java.nio.BufferUnderflowException e) {
            throw new CorruptObjectException(where, "index payload truncated");
        }
    }
}
