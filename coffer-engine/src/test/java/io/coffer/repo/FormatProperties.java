package io.coffer.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Codecs round-trip, and every format object rejects a flipped byte. */
class FormatProperties {
    static final byte[] KEY = new byte[32];

    static {
        new Random(5).nextBytes(KEY);
    }

    static byte[] data(long seed, int size, boolean compressible) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        if (compressible) for (int i = 0; i < size; i++) b[i] = (byte) ('a' + r.nextInt(4));
        else r.nextBytes(b);
        return b;
    }

    @Property(tries = 100)
    void zstdCodecRoundTrips(@ForAll long seed, @ForAll @IntRange(max = 300_000) int size, @ForAll boolean compressible) {
        byte[] d = data(seed, size, compressible);
        Codec c = Codec.local(1);
        byte[] enc = c.encode(d, 0, d.length, true);
        assertThat(c.decode("t", enc, d.length)).isEqualTo(d);
        if (!compressible && size > 1000) assertThat(enc[0]).as("random data is stored raw").isEqualTo((byte) Codec.RAW);
        if (compressible && size > 1000) assertThat(enc.length).isLessThan(size / 2);
    }

    static String text(Random r, int max) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(max);
        String odd = "\"\\/\u0001\n\t\u007f\u00e9\u4e2d\ud83d\ude00 ";
        for (int i = 0; i < n; i++) b.append(r.nextInt(4) == 0 ? odd.charAt(r.nextInt(odd.length())) : (char) ('a' + r.nextInt(26)));
        return b.toString();
    }

    static <T> T maybe(Random r, T v) {
        return r.nextInt(3) == 0 ? null : v;
    }

    /** Nodes of every kind, with any field left out, names and targets with quotes, escapes and non-ASCII. */
    static Tree randomTree(long seed) {
        Random r = new Random(seed);
        List<Node> nodes = new ArrayList<>();
        int n = r.nextInt(20);
        for (int i = 0; i < n; i++) {
            List<String> content = null;
            if (r.nextBoolean()) {
                content = new ArrayList<>();
                for (int k = r.nextInt(6); k > 0; k--) content.add(r.nextBoolean() ? "z" + r.nextInt(1 << 30) : Hex.of(data(r.nextLong(), 32, false)));
            }
            String type = new String[] {Node.FILE, Node.DIR, Node.SYMLINK, Node.FIFO, Node.CHARDEV, Node.BLOCKDEV}[r.nextInt(6)];
            nodes.add(new Node(text(r, 12) + i, maybe(r, type), maybe(r, r.nextInt()), maybe(r, r.nextInt(70000)), maybe(r, r.nextInt(70000)),
                    maybe(r, r.nextLong()), maybe(r, r.nextLong()), maybe(r, r.nextLong() & Long.MAX_VALUE), maybe(r, (long) r.nextInt(Integer.MAX_VALUE)),
                    maybe(r, r.nextBoolean() ? "cdc" : "fixed:16384"), content, maybe(r, Hex.of(data(r.nextLong(), 32, false))),
                    maybe(r, text(r, 30)), maybe(r, r.nextLong()), maybe(r, r.nextInt(9) + ":" + r.nextLong()),
                    maybe(r, java.util.Map.of("user." + text(r, 8), java.util.Base64.getEncoder().encodeToString(data(r.nextLong(), r.nextInt(40), false)),
                            "security.selinux", "c3lzdGVtX3U6b2JqZWN0X3I6ZXRjX3Q6czAA")),
                    maybe(r, r.nextBoolean()), maybe(r, java.util.List.of(0L, (long) r.nextInt(1 << 20), 1L << 21, r.nextLong() & Long.MAX_VALUE))));
        }
        return new Tree(Tree.VERSION, nodes);
    }

    @Property(tries = 300)
    void treesAreWrittenAsDataBindingWritesThemAndReadBack(@ForAll long seed) {
        Tree t = randomTree(seed);
        byte[] mine = TreeCodec.write(t);
        assertThat(new String(mine, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(new String(Json.write(t), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(TreeCodec.read("t", mine)).isEqualTo(t).isEqualTo(Json.read("t", mine, Tree.class));
    }

    @Property(tries = 300)
    void aDamagedTreeIsRejectedAsCorruptOrReadAsDataBindingReadsIt(@ForAll long seed, @ForAll @IntRange(min = 0, max = 100_000) int at, @ForAll byte flip) {
        byte[] b = TreeCodec.write(randomTree(seed));
        if (flip == 0) flip = 1;
        if (at % 3 == 0) {
            b = java.util.Arrays.copyOf(b, at % b.length); // truncated
        } else {
            b[at % b.length] ^= flip;
        }
        byte[] damaged = b;
        Tree viaBinding;
        try {
            viaBinding = Json.read("t", damaged, Tree.class);
        } catch (CorruptObjectException e) {
            viaBinding = null;
        }
        try {
            Tree mine = TreeCodec.read("t", damaged);
            // what this codec accepts, data binding reads the same way (the tree blob's id check
            // catches damage before decoding; this is about never misreading what decodes)
            if (viaBinding != null) assertThat(mine).isEqualTo(viaBinding);
        } catch (CorruptObjectException expected) {
            assertThat(expected.getMessage()).startsWith("corrupt object t: cannot decode Tree");
        }
    }

    @Property(tries = 100)
    void envelopesRoundTripAndRejectAnyFlippedByte(@ForAll long seed, @ForAll @IntRange(max = 5000) int size,
                                                   @ForAll boolean encrypted, @ForAll boolean compress, @ForAll int where) {
        byte[] payload = data(seed, size, true);
        byte[] key = encrypted ? KEY : null;
        byte[] obj = Envelope.seal(Envelope.Kind.MANIFEST, payload, compress, key);
        assertThat(Envelope.open("manifests/x", obj, Envelope.Kind.MANIFEST, key)).isEqualTo(payload);
        byte[] bad = obj.clone();
        bad[Math.floorMod(where, bad.length)] ^= 0x10;
        assertThatThrownBy(() -> Envelope.open("manifests/x", bad, Envelope.Kind.MANIFEST, key))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining("manifests/x");
    }

    @Property(tries = 50)
    void envelopesOfTheWrongKindOrKeyAreRefused(@ForAll long seed) {
        byte[] obj = Envelope.seal(Envelope.Kind.INDEX, data(seed, 100, true), true, KEY);
        assertThatThrownBy(() -> Envelope.open("index/x", obj, Envelope.Kind.MANIFEST, KEY)).isInstanceOf(CorruptObjectException.class);
        byte[] other = KEY.clone();
        other[0] ^= 1;
        assertThatThrownBy(() -> Envelope.open("index/x", obj, Envelope.Kind.INDEX, other))
                .isInstanceOf(RepositoryException.class)
                .satisfies(e -> assertThat(((RepositoryException) e).kind()).isEqualTo(RepositoryException.Kind.WRONG_KEY));
    }

    @Property(tries = 60)
    void indexPayloadRoundTrips(@ForAll long seed, @ForAll @IntRange(max = 20) int packs) {
        Random r = new Random(seed);
        List<PackInfo> in = new ArrayList<>();
        for (int p = 0; p < packs; p++) {
            List<Pack.Entry> es = new ArrayList<>();
            BlobType t = r.nextBoolean() ? BlobType.DATA : BlobType.TREE;
            for (int i = 0; i < r.nextInt(50); i++) {
                byte[] id = new byte[32];
                r.nextBytes(id);
                es.add(new Pack.Entry(t, BlobId.of(id), 8 + i * 100, 100, 150));
            }
            byte[] pid = new byte[32];
            r.nextBytes(pid);
            in.add(new PackInfo(Hex.of(pid), t, 10_000, es));
        }
        assertThat(IndexCodec.decode("index/t", IndexCodec.encode(in))).isEqualTo(in);
    }

    @Property(tries = 60)
    void indexPayloadsWithGroupsRoundTripAsVersion2(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int packs) {
        Random r = new Random(seed);
        List<PackInfo> in = new ArrayList<>();
        for (int p = 0; p < packs; p++) {
            List<Pack.Entry> es = new ArrayList<>();
            int n = 1 + r.nextInt(60);
            for (int i = 0; i < n; i++) {
                boolean grouped = p == 0 || r.nextBoolean();
                es.add(grouped ? new Pack.Entry(BlobType.DATA, BlobId.of(data(r.nextLong(), 32, false)), 8 + i / 8 * 5000, 5000, 8192, 8 * 8192, i % 8 * 8192)
                        : new Pack.Entry(BlobType.DATA, BlobId.of(data(r.nextLong(), 32, false)), 8 + i * 100, 100, 150));
            }
            in.add(new PackInfo(Hex.of(data(r.nextLong(), 32, false)), BlobType.DATA, 1 << 20, es));
        }
        assertThat(IndexCodec.versionFor(in)).isEqualTo(IndexCodec.V2);
        byte[] payload = IndexCodec.encode(in);
        assertThat(IndexCodec.decode("index/t", payload, IndexCodec.V2)).isEqualTo(in);
        // read as version 1, the same bytes are refused (or, at the least, never the same entries)
        try {
            assertThat(IndexCodec.decode("index/t", payload, IndexCodec.V1)).isNotEqualTo(in);
        } catch (CorruptObjectException expected) {
            // the usual outcome
        }
        // a version 1 index cannot carry groups
        assertThatThrownBy(() -> IndexCodec.encode(in, IndexCodec.V1)).isInstanceOf(IllegalStateException.class);
        // the envelope says which version it is
        byte[] obj = Envelope.seal(Envelope.Kind.INDEX, IndexCodec.V2, payload, true, KEY);
        Envelope.Opened o = Envelope.openVersioned("index/x", obj, Envelope.Kind.INDEX, KEY);
        assertThat(o.version()).isEqualTo(2);
        assertThat(IndexCodec.decode("index/x", o)).isEqualTo(in);
    }

    @Property(tries = 30)
    void anIndexEntryOutsideItsGroupIsRefused(@ForAll @IntRange(min = 0, max = 70000) int within, @ForAll @IntRange(min = 1, max = 70000) int raw) {
        int group = 65536;
        boolean inside = within + raw <= group;
        assertThat(Pack.validGroup(raw, group, within)).isEqualTo(inside);
        assertThat(Pack.validGroup(raw, 0, within)).isEqualTo(within == 0);
        PackInfo p = new PackInfo(Hex.of(new byte[32]), BlobType.DATA, 1 << 20,
                List.of(new Pack.Entry(BlobType.DATA, BlobId.of(new byte[32]), 8, 100, raw, group, within)));
        if (inside) assertThat(IndexCodec.decode("index/t", IndexCodec.encode(List.of(p)), IndexCodec.V2)).containsExactly(p);
        else assertThatThrownBy(() -> IndexCodec.decode("index/t", IndexCodec.encode(List.of(p)), IndexCodec.V2)).isInstanceOf(CorruptObjectException.class);
    }

    /**
     * A version 2 pack: a group of blocks, a blob alone, another group. Intact, every block comes
     * back from its group; with a byte flipped, the part holding it fails on its own (or, for an
     * unencrypted group, decodes to exactly its plaintext), and every other block comes back.
     */
    @Property(tries = 60)
    void packsWithGroupsRejectAnyFlippedByte(@ForAll long seed, @ForAll boolean encrypted, @ForAll int where) throws Exception {
        BlobCodec codec = new BlobCodec(config(encrypted), encrypted ? MasterKeys.of(KEY) : null);
        byte[] dataKey = encrypted ? MasterKeys.of(KEY).dataKey : null;
        List<Pack.Entry> entries = new ArrayList<>();
        java.io.ByteArrayOutputStream pack = new java.io.ByteArrayOutputStream();
        pack.write(Pack.header(BlobType.DATA, encrypted, Pack.VERSION_GROUPS));
        java.util.Map<BlobId, byte[]> plains = new java.util.HashMap<>();
        for (int part = 0; part < 3; part++) {
            if (part == 1) {
                byte[] plain = data(seed + 99, 3000, true);
                BlobId id = codec.id(plain, 0, plain.length);
                byte[] stored = codec.encode(id, plain, 0, plain.length);
                entries.add(new Pack.Entry(BlobType.DATA, id, pack.size(), stored.length, plain.length));
                pack.write(stored);
                plains.put(id, plain);
                continue;
            }
            int blocks = 2 + part * 3;
            byte[] group = new byte[blocks * 8192];
            for (int i = 0; i < blocks; i++) System.arraycopy(data(seed + part * 100 + i, 8192, i % 2 == 0), 0, group, i * 8192, 8192);
            Codec.Encoded e = codec.encodeGroup(group, 0, group.length, false);
            byte[] stored = java.util.Arrays.copyOf(e.buf(), e.length());
            for (int i = 0; i < blocks; i++) {
                BlobId id = codec.id(group, i * 8192, 8192);
                entries.add(new Pack.Entry(BlobType.DATA, id, pack.size(), stored.length, 8192, group.length, i * 8192));
                plains.put(id, java.util.Arrays.copyOfRange(group, i * 8192, (i + 1) * 8192));
            }
            pack.write(stored);
        }
        pack.write(Pack.trailer(entries, dataKey, Pack.VERSION_GROUPS));
        byte[] whole = pack.toByteArray();
        assertThat(Pack.readTrailer("data/p", whole, whole.length, dataKey, Pack.VERSION_GROUPS).entries()).isEqualTo(entries);
        for (Pack.Entry e : entries) assertThat(read(codec, whole, e)).isEqualTo(plains.get(e.id()));
        // a version 1 pack cannot carry groups
        assertThatThrownBy(() -> Pack.trailer(entries, dataKey, Pack.VERSION)).isInstanceOf(IllegalStateException.class);

        byte[] bad = whole.clone();
        int pos = Math.floorMod(where, bad.length);
        bad[pos] ^= 0x01;
        Pack.Entry last = entries.get(entries.size() - 1);
        int dataEnd = last.offset() + last.storedLength();
        if (pos < Pack.HEADER) {
            byte[] head = java.util.Arrays.copyOf(bad, Pack.HEADER);
            try {
                Pack.checkHeader("data/p", head, encrypted);
                assertThat(head[4]).as("only the version byte may still read as a known version").isEqualTo((byte) Pack.VERSION);
            } catch (RepositoryException expected) {
                // refused
            }
        } else if (pos >= dataEnd) {
            assertThatThrownBy(() -> Pack.readTrailer("data/p", bad, bad.length, dataKey, Pack.VERSION_GROUPS)).isInstanceOf(RepositoryException.class);
        }
        for (Pack.Entry e : entries) {
            boolean inside = pos >= e.offset() && pos < e.offset() + e.storedLength();
            if (!inside) {
                assertThat(read(codec, bad, e)).isEqualTo(plains.get(e.id()));
                continue;
            }
            byte[] out;
            try {
                out = read(codec, bad, e);
            } catch (CorruptObjectException damaged) {
                assertThat(damaged).hasMessageContaining("data/p");
                continue;
            }
            assertThat(encrypted).as("an encrypted group with a flipped byte was accepted").isFalse();
            assertThat(out).isEqualTo(plains.get(e.id()));
        }
    }

    /** A block as a reader gets it: decoded alone, or its slice of its decoded group, checked against its id. */
    static byte[] read(BlobCodec codec, byte[] pack, Pack.Entry e) {
        if (!e.grouped()) return codec.decode("data/p", e.id(), pack, e.offset(), e.storedLength(), e.rawLength());
        byte[] group = new byte[e.groupLength()];
        String bad = codec.decodeGroupInto(pack, e.offset(), e.storedLength(), group, e.groupLength());
        if (bad != null) throw new CorruptObjectException("data/p", bad);
        if (!codec.matches(e.id(), group, e.groupOffset(), e.rawLength())) throw new CorruptObjectException("data/p", "blob " + e.id().shortHex() + " does not match");
        return java.util.Arrays.copyOfRange(group, e.groupOffset(), e.groupOffset() + e.rawLength());
    }

    @Property(tries = 60)
    void packsRejectAnyFlippedByte(@ForAll long seed, @ForAll boolean encrypted, @ForAll int where) throws Exception {
        byte[] key = encrypted ? KEY : null;
        BlobCodec codec = new BlobCodec(config(encrypted), encrypted ? MasterKeys.of(KEY) : null);
        List<Pack.Entry> entries = new ArrayList<>();
        java.io.ByteArrayOutputStream pack = new java.io.ByteArrayOutputStream();
        pack.write(Pack.header(BlobType.DATA, encrypted));
        List<byte[]> plains = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] plain = data(seed + i, 2000 + i * 100, i % 2 == 0);
            BlobId id = codec.id(plain, 0, plain.length);
            byte[] stored = codec.encode(id, plain, 0, plain.length);
            entries.add(new Pack.Entry(BlobType.DATA, id, pack.size(), stored.length, plain.length));
            pack.write(stored);
            plains.add(plain);
        }
        byte[] dataKey = encrypted ? MasterKeys.of(KEY).dataKey : null;
        pack.write(Pack.trailer(entries, dataKey));
        byte[] whole = pack.toByteArray();
        // intact: trailer and every blob decode
        var t = Pack.readTrailer("data/p", whole, whole.length, dataKey);
        assertThat(t.entries()).isEqualTo(entries);
        for (int i = 0; i < entries.size(); i++) {
            Pack.Entry e = entries.get(i);
            assertThat(codec.decode("data/p", e.id(), whole, e.offset(), e.storedLength(), e.rawLength())).isEqualTo(plains.get(i));
        }
        // flipped: the pack no longer hashes to its name, and the part holding the byte fails on its own
        String name = Hex.of(Crypto.sha256(whole, 0, whole.length));
        byte[] bad = whole.clone();
        int pos = Math.floorMod(where, bad.length);
        bad[pos] ^= 0x01;
        assertThat(Hex.of(Crypto.sha256(bad, 0, bad.length))).isNotEqualTo(name);
        int dataEnd = entries.get(entries.size() - 1).offset() + entries.get(entries.size() - 1).storedLength();
        if (pos < Pack.HEADER) {
            assertThatThrownBy(() -> Pack.checkHeader("data/p", bad, encrypted)).isInstanceOf(RepositoryException.class);
        } else if (pos >= dataEnd) {
            assertThatThrownBy(() -> Pack.readTrailer("data/p", bad, bad.length, dataKey)).isInstanceOf(RepositoryException.class);
        }
        for (int i = 0; i < entries.size(); i++) {
            Pack.Entry e = entries.get(i);
            boolean inside = pos >= e.offset() && pos < e.offset() + e.storedLength();
            if (inside) {
                int at = i;
                rejectedOrExact(encrypted, () -> codec.decode("data/p", e.id(), bad, e.offset(), e.storedLength(), e.rawLength()), plains.get(at), e.id());
            } else {
                assertThat(codec.decode("data/p", e.id(), bad, e.offset(), e.storedLength(), e.rawLength())).isEqualTo(plains.get(i));
            }
        }
    }

    /**
     * A blob with a flipped byte is refused, naming the object and the blob; or, unencrypted only,
     * it decodes to exactly its plaintext. zstd ignores a few bits of a frame (an unused header bit,
     * padding in a block: 2 of the 1,080 single-bit flips of one 135-byte blob), and a blob's id
     * hashes its plaintext, so no blob-level check can see those; the pack's name, the SHA-256 of
     * its bytes, does (packsRejectAnyFlippedByte, check --read-data). Encrypted, GCM refuses every
     * flip. Never wrong bytes either way.
     */
    @FunctionalInterface
    interface Decode {
        byte[] run() throws Exception;
    }

    static void rejectedOrExact(boolean encrypted, Decode decode, byte[] plain, BlobId id) {
        byte[] out;
        try {
            out = decode.run();
        } catch (CorruptObjectException e) {
            assertThat(e).hasMessageContaining("data/p").hasMessageContaining(id.shortHex());
            return;
        } catch (Exception e) {
            throw new AssertionError("not a CorruptObjectException: " + e, e);
        }
        assertThat(encrypted).as("an encrypted blob with a flipped byte was accepted").isFalse();
        assertThat(out).as("a flipped bit the decoder ignores leaves the plaintext exact").isEqualTo(plain);
    }

    /** A list of ids like a tree's, and a copy with some of them replaced. */
    static byte[][] referenceAndChanged(long seed, int ids, int changed) {
        Random r = new Random(seed);
        String[] list = new String[ids];
        for (int i = 0; i < ids; i++) list[i] = Hex.of(data(r.nextLong(), 32, false));
        byte[] ref = String.join(",", list).getBytes();
        for (int i = 0; i < changed; i++) list[r.nextInt(ids)] = Hex.of(data(r.nextLong(), 32, false));
        return new byte[][] {ref, String.join(",", list).getBytes()};
    }

    @Property(tries = 40)
    void blobsStoredAgainstAReferenceRoundTripAreSmallAndRejectAnyFlippedByte(@ForAll long seed, @ForAll boolean encrypted,
            @ForAll @IntRange(min = 1, max = 40) int changed, @ForAll int where) {
        BlobCodec codec = new BlobCodec(config(encrypted), encrypted ? MasterKeys.of(KEY) : null);
        byte[][] rc = referenceAndChanged(seed, 3000, changed);
        byte[] ref = rc[0], plain = rc[1];
        BlobId refId = codec.id(ref, 0, ref.length);
        BlobId id = codec.id(plain, 0, plain.length);
        Codec.Encoded e = codec.encodeShared(id, plain, 0, plain.length, refId, ref);
        byte[] stored = java.util.Arrays.copyOf(e.buf(), e.length());
        byte[] alone = codec.encode(id, plain, 0, plain.length);
        // what changed costs, not the whole list again
        assertThat(stored.length).isLessThan(alone.length / 10);
        BlobCodec.Refs refs = r -> {
            if (!r.equals(refId)) throw new CorruptObjectException("data/r", "blob " + r.shortHex() + " is not in the index");
            return ref;
        };
        assertThat(codec.decode("data/p", id, stored, 0, stored.length, plain.length, refs)).isEqualTo(plain);
        // without its reference it is refused, never guessed
        assertThatThrownBy(() -> codec.decode("data/p", id, stored, 0, stored.length, plain.length, null))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining(id.shortHex());
        byte[] bad = stored.clone();
        bad[Math.floorMod(where, bad.length)] ^= 0x01;
        rejectedOrExact(encrypted, () -> codec.decode("data/p", id, bad, 0, bad.length, plain.length, refs), plain, id);
        // a wrong reference never yields wrong bytes: the result is checked against the blob's id
        // (a byte the encoding does not use may differ; readers verify a reference by its own id)
        byte[] badRef = ref.clone();
        badRef[Math.floorMod(where, badRef.length)] ^= 0x01;
        try {
            assertThat(codec.decode("data/p", id, stored, 0, stored.length, plain.length, r -> badRef)).isEqualTo(plain);
        } catch (CorruptObjectException damaged) {
            assertThat(damaged).hasMessageContaining(id.shortHex());
        }
        byte[] otherRef = ref.clone();
        for (int i = 0; i < otherRef.length; i += 64) otherRef[i] ^= 0x01;
        assertThatThrownBy(() -> codec.decode("data/p", id, stored, 0, stored.length, plain.length, r -> otherRef))
                .isInstanceOf(CorruptObjectException.class).hasMessageContaining(id.shortHex());
    }

    @Property(tries = 20)
    void aBlobThatChangedWhollyIsStoredAlone(@ForAll long seed) {
        BlobCodec codec = new BlobCodec(config(false), null);
        byte[][] rc = referenceAndChanged(seed, 2000, 0);
        byte[] ref = rc[0];
        byte[] plain = referenceAndChanged(seed + 1, 2000, 0)[0];
        Codec.Encoded e = codec.encodeShared(codec.id(plain, 0, plain.length), plain, 0, plain.length, codec.id(ref, 0, ref.length), ref);
        assertThat(e.buf()[0]).isNotEqualTo((byte) Codec.ZSTD_REF);
        assertThat(Codec.referenceOf(e.buf(), 0, e.length())).isNull();
    }

    static RepoConfig config(boolean encrypted) {
        InitOptions o = InitOptions.defaults();
        return new RepoConfig(1, "x", "now", List.of(), "sha256", o.compression(), new RepoConfig.Cdc(o.cdcMin(), o.cdcAvg(), o.cdcMax(), "00"),
                o.fixed(), o.packSize(), o.treePackSize(), encrypted ? new RepoConfig.Encryption("aes-256-gcm", "hmac-sha256") : null);
    }
}
