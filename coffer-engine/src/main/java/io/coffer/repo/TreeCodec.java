package io.coffer.repo;

import static io.coffer.repo.JsonStream.array;
import static io.coffer.repo.JsonStream.expect;
import static io.coffer.repo.JsonStream.integer;
import static io.coffer.repo.JsonStream.longValue;
import static io.coffer.repo.JsonStream.number;
import static io.coffer.repo.JsonStream.string;
import static io.coffer.repo.JsonStream.strings;
import static io.coffer.repo.JsonStream.text;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.coffer.sys.FileNames;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tree blobs written and read with Jackson's streaming API: the same bytes as {@link Json} would
 * write for a {@link Tree} (fields in declaration order, nulls left out), without data binding,
 * whose reflective machinery was a large share of the start-up compilation of a backup of many
 * small directories. Reading takes what {@link Json} takes for trees (unknown fields skipped).
 */
final class TreeCodec {
    private TreeCodec() {}

    static byte[] write(Tree t) {
        return JsonStream.write("a tree", 256 + 160 * t.nodes().size(), g -> {
            g.writeStartObject();
            g.writeNumberField("v", t.v());
            g.writeArrayFieldStart("nodes");
            for (Node n : t.nodes()) writeNode(g, n);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    static void writeNode(JsonGenerator g, Node n) throws IOException {
        g.writeStartObject();
        name(g, "name", n.name());
        string(g, "type", n.type());
        number(g, "mode", n.mode());
        number(g, "uid", n.uid());
        number(g, "gid", n.gid());
        number(g, "mtime", n.mtime());
        number(g, "ctime", n.ctime());
        number(g, "inode", n.inode());
        number(g, "size", n.size());
        string(g, "chunking", n.chunking());
        strings(g, "content", n.content());
        string(g, "subtree", n.subtree());
        name(g, "target", n.target());
        number(g, "rdev", n.rdev());
        string(g, "link", n.link());
        if (n.xattrs() != null) {
            g.writeObjectFieldStart("xattrs");
            for (Map.Entry<String, String> e : n.xattrs().entrySet()) g.writeStringField(e.getKey(), e.getValue());
            g.writeEndObject();
        }
        if (n.allocated() != null) g.writeBooleanField("allocated", n.allocated());
        if (n.extents() != null) {
            g.writeArrayFieldStart("extents");
            for (long x : n.extents()) g.writeNumber(x);
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /**
     * A file name or link target: as text, and, when it holds bytes that are not UTF-8 ({@link
     * FileNames}), as text for people (those bytes as \xHH) followed by {@code <field>Bytes}, its
     * bytes in base64, which a reader takes instead.
     */
    private static void name(JsonGenerator g, String field, String v) throws IOException {
        if (v == null || !FileNames.escaped(v)) {
            string(g, field, v);
            return;
        }
        g.writeStringField(field, FileNames.display(v));
        g.writeStringField(field + "Bytes", Base64.getEncoder().encodeToString(FileNames.encode(v)));
    }

    private static String bytes(JsonParser p, JsonToken t) throws IOException {
        String b64 = text(p, t);
        if (b64 == null) return null;
        try {
            return FileNames.decode(Base64.getDecoder().decode(b64));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad base64 in a name's bytes");
        }
    }

    private static Map<String, String> xattrs(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.START_OBJECT);
        Map<String, String> m = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            m.put(k, text(p, p.nextToken()));
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return m;
    }

    static Tree read(String where, byte[] bytes) {
        return JsonStream.read(where, "Tree", bytes, TreeCodec::tree);
    }

    private static Tree tree(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        int v = 0;
        List<Node> nodes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "v" -> v = t == JsonToken.VALUE_NULL ? 0 : p.getIntValue();
                case "nodes" -> nodes = array(p, t, TreeCodec::node);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (nodes == null) throw new IOException("no node list");
        return new Tree(v, nodes);
    }

    static Node node(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        String name = null, type = null, chunking = null, subtree = null, target = null, link = null, nameBytes = null, targetBytes = null;
        Integer mode = null, uid = null, gid = null;
        Long mtime = null, ctime = null, inode = null, size = null, rdev = null;
        List<String> content = null;
        Map<String, String> xattrs = null;
        Boolean allocated = null;
        List<Long> extents = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "name" -> name = text(p, t);
                case "nameBytes" -> nameBytes = bytes(p, t);
                case "type" -> type = text(p, t);
                case "mode" -> mode = integer(p, t);
                case "uid" -> uid = integer(p, t);
                case "gid" -> gid = integer(p, t);
                case "mtime" -> mtime = longValue(p, t);
                case "ctime" -> ctime = longValue(p, t);
                case "inode" -> inode = longValue(p, t);
                case "size" -> size = longValue(p, t);
                case "chunking" -> chunking = text(p, t);
                case "content" -> content = array(p, t, JsonStream::text);
                case "subtree" -> subtree = text(p, t);
                case "target" -> target = text(p, t);
                case "targetBytes" -> targetBytes = bytes(p, t);
                case "rdev" -> rdev = longValue(p, t);
                case "link" -> link = text(p, t);
                case "xattrs" -> xattrs = xattrs(p, t);
                case "allocated" -> allocated = t == JsonToken.VALUE_NULL ? null : p.getBooleanValue();
                case "extents" -> extents = array(p, t, JsonStream::longOr0);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        if (nameBytes != null) name = nameBytes;
        if (targetBytes != null) target = targetBytes;
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link, xattrs, allocated, extents);
    }
}
