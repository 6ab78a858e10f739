package io.coffer.repo;

import static io.coffer.repo.JsonStream.array;
import static io.coffer.repo.JsonStream.expect;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.List;

/**
 * Chunk lists (feature {@link RepoConfig#CHUNK_LISTS}): the chunk references of a large file kept
 * in blobs of their own instead of in its directory's tree. A file node's {@code content} then
 * holds {@code l<blob id>} references only, one per span of the file: every list but the last
 * covers exactly {@link #FIXED_SPAN} bytes of a fixed-block file ({@link #CDC_SPAN} of a
 * content-defined one), which are the backup's regions, so that an incremental compares region
 * {@code i} with the parent's list {@code i} and nothing else. A list is a tree blob (in tree
 * packs, cached like trees) holding {@code {"v":1,"chunks":[ref, …]}} with refs as in a node's
 * content (blob ids and {@code z<length>} zero runs, never lists).
 *
 * <p>What it buys: a directory of 20 GiB of database pages has a tree of a few kilobytes instead
 * of 170 MB, and a backup, restore or check holds the references of one span of a file at a time.
 * An unchanged span has the parent's list, byte for byte, so an incremental stores only the lists
 * of the spans that changed.
 */
public final class ChunkLists {
    public static final long FIXED_SPAN = 64L << 20;
    public static final long CDC_SPAN = 256L << 20;
    /** A fixed-block file of more blocks than this is listed; below it the list stays in the tree. */
    public static final int INLINE_BLOCKS = 1024;
    static final int VERSION = 1;

    private ChunkLists() {}

    public static boolean isList(String ref) {
        return ref.charAt(0) == 'l';
    }

    public static String ref(String listId) {
        return "l" + listId;
    }

    public static String listId(String ref) {
        return ref.substring(1);
    }

    /** True when a node's content is chunk lists (they are all or none of it). */
    public static boolean listed(List<String> content) {
        return content != null && !content.isEmpty() && isList(content.get(0));
    }

    /** Whether a file of {@code size} bytes chunked with {@code block} (0: content-defined) is stored with lists. */
    public static boolean wanted(long size, int block) {
        return block > 0 ? size > (long) INLINE_BLOCKS * block : size > CDC_SPAN;
    }

    /**
     * Adds the blobs a file node references to {@code into}: its chunks, and its chunk lists with
     * theirs, and the lists those are stored against. A list already in the set is not read
     * again (its chunks are there already), so a list shared by many backups is read once.
     */
    public static void addReferenced(Repository repo, Node file, java.util.Set<BlobId> into) throws IOException {
        for (String ref : file.content()) {
            if (Node.isZero(ref)) continue;
            if (!isList(ref)) {
                into.add(BlobId.parse(ref));
                continue;
            }
            BlobId id = BlobId.parse(listId(ref));
            if (!into.add(id)) continue;
            Repository.Decoded d = repo.readBlobWithRef(id);
            into.addAll(d.chain()); // the lists it is stored against must stay as long as it
            for (String r : repo.decodeChunkList(ref, d.plain())) if (!Node.isZero(r)) into.add(BlobId.parse(r));
        }
    }

    static byte[] encode(List<String> refs) {
        return JsonStream.write("a chunk list", 32 + 68 * refs.size(), g -> {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            JsonStream.strings(g, "chunks", refs);
            g.writeEndObject();
        });
    }

    static List<String> decode(String where, byte[] json) {
        List<String> refs = JsonStream.read(where, "chunk list", json, ChunkLists::read);
        for (String ref : refs) {
            if (ref == null || ref.isEmpty()) throw new CorruptObjectException(where, "empty chunk reference");
            if (Node.isZero(ref)) {
                try {
                    if (Node.zeroLength(ref) < 0) throw new NumberFormatException();
                } catch (NumberFormatException e) {
                    throw new CorruptObjectException(where, "bad zero run '" + ref + "'");
                }
            } else if (ref.length() != 64 || !Hex.isHex(ref)) {
                throw new CorruptObjectException(where, "bad chunk reference");
            }
        }
        return refs;
    }

    private static List<String> read(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int v = 0;
        List<String> chunks = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "v" -> v = t == JsonToken.VALUE_NULL ? 0 : p.getIntValue();
                case "chunks" -> chunks = array(p, t, JsonStream::text);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (v != VERSION) throw new IOException("chunk list version " + v + " (this Coffer reads " + VERSION + ")");
        if (chunks == null) throw new IOException("no chunks");
        return chunks;
    }
}
