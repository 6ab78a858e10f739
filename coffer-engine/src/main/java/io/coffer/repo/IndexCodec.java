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
 * </pre>
 */
final class IndexCodec {
    private IndexCodec() {}

    static byte[] encode(List<PackInfo> packs) {
        int size = 4;
        for (PackInfo p : packs) size += 32 + 1 + 8 + 4 + p.blobs().size() * 44;
        ByteBuffer bb = ByteBuffer.allocate(size);
        bb.putInt(packs.size());
        for (PackInfo p : packs) {
            bb.put(Hex.parse(p.id())).put((byte) p.type().code).putLong(p.size()).putInt(p.blobs().size());
            for (Pack.Entry e : p.blobs()) {
                e.id().writeTo(bb);
                bb.putInt(e.offset()).putInt(e.storedLength()).putInt(e.rawLength());
            }
        }
        return bb.array();
    }

    static List<PackInfo> decode(String where, byte[] payload) {
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
                if (count < 0 || (long) count * 44 > bb.remaining()) throw new CorruptObjectException(where, "bad blob count for pack " + i);
                List<Pack.Entry> blobs = new ArrayList<>(count);
                for (int j = 0; j < count; j++) {
                    BlobId b = BlobId.readFrom(bb);
                    blobs.add(new Pack.Entry(type, b, bb.getInt(), bb.getInt(), bb.getInt()));
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
