package io.coffer.repo;

import java.nio.ByteBuffer;

/**
 * A 256-bit blob identifier: SHA-256 of the blob's plaintext, or HMAC-SHA256 under the
 * repository's id key when the repository is encrypted. Held as four longs so that hashing and
 * equality in the in-memory index are cheap.
 */
public record BlobId(long a, long b, long c, long d) implements Comparable<BlobId> {
    public static final int BYTES = 32;

    public static BlobId of(byte[] bytes, int off) {
        return new BlobId((long) LONGS.get(bytes, off), (long) LONGS.get(bytes, off + 8),
                (long) LONGS.get(bytes, off + 16), (long) LONGS.get(bytes, off + 24));
    }

    public static BlobId of(byte[] bytes) {
        if (bytes.length != BYTES) throw new IllegalArgumentException("blob id must be 32 bytes");
        return of(bytes, 0);
    }

    // Parsed and printed by hand, a 64-bit word at a time: a restore plan parses every chunk
    // reference of every file (a 1 GiB database in 8 KiB blocks has 131,072), and a backup
    // prints every block's id to compare it with the parent's.
    public static BlobId parse(String hex) {
        if (hex.length() != 64) throw new IllegalArgumentException("not a blob id: '" + hex + "'");
        long a = word(hex, 0), b = word(hex, 16), c = word(hex, 32), d = word(hex, 48);
        return new BlobId(a, b, c, d);
    }

    private static long word(String hex, int off) {
        long w = 0;
        int bad = 0;
        for (int i = off; i < off + 16; i++) {
            int n = Hex.nibble(hex.charAt(i));
            bad |= n;
            w = (w << 4) | (n & 15);
        }
        if (bad < 0) throw new IllegalArgumentException("not a blob id: '" + hex + "'");
        return w;
    }

    public byte[] bytes() {
        return ByteBuffer.allocate(BYTES).putLong(a).putLong(b).putLong(c).putLong(d).array();
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /** True if {@code bytes} (32 of them) spell this id. */
    public boolean equalsBytes(byte[] bytes) {
        return (long) LONGS.get(bytes, 0) == a && (long) LONGS.get(bytes, 8) == b
                && (long) LONGS.get(bytes, 16) == c && (long) LONGS.get(bytes, 24) == d;
    }

    public void writeTo(ByteBuffer bb) {
        bb.putLong(a).putLong(b).putLong(c).putLong(d);
    }

    public static BlobId readFrom(ByteBuffer bb) {
        return new BlobId(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong());
    }

    public String hex() {
        byte[] out = new byte[64];
        Hex.put(out, 0, a);
        Hex.put(out, 16, b);
        Hex.put(out, 32, c);
        Hex.put(out, 48, d);
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public String shortHex() {
        return hex().substring(0, 12);
    }

    // written out rather than generated: the record's own equals goes through a method handle
    // chain that costs the JIT far more to compile in every hot loop that compares ids
    @Override
    public boolean equals(Object o) {
        return o instanceof BlobId x && x.a == a && x.b == b && x.c == c && x.d == d;
    }

    @Override
    public int hashCode() {
        return (int) (a ^ (a >>> 32));
    }

    @Override
    public int compareTo(BlobId o) {
        int r = Long.compareUnsigned(a, o.a);
        if (r == 0) r = Long.compareUnsigned(b, o.b);
        if (r == 0) r = Long.compareUnsigned(c, o.c);
        if (r == 0) r = Long.compareUnsigned(d, o.d);
        return r;
    }

    @Override
    public String toString() {
        return hex();
    }
}
