package io.coffer.repo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Tree blobs written and read with Jackson's streaming API: the same bytes as {@link Json} would
 * write for a {@link Tree} (fields in declaration order, nulls left out), without data binding,
 * whose reflective machinery was a large share of the start-up compilation of a backup of many
 * small directories. Reading takes what {@link Json} takes for trees (unknown fields skipped).
 */
final class TreeCodec {
    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    private TreeCodec() {}

    static byte[] write(Tree t) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256 + 160 * t.nodes().size());
                JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", t.v());
            g.writeArrayFieldStart("nodes");
            for (Node n : t.nodes()) writeNode(g, n);
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a tree", e);
        }
    }

    private static void writeNode(JsonGenerator g, Node n) throws IOException {
        g.writeStartObject();
        string(g, "name", n.name());
        string(g, "type", n.type());
        number(g, "mode", n.mode());
        number(g, "uid", n.uid());
        number(g, "gid", n.gid());
        number(g, "mtime", n.mtime());
        number(g, "ctime", n.ctime());
        number(g, "inode", n.inode());
        number(g, "size", n.size());
        string(g, "chunking", n.chunking());
        if (n.content() != null) {
            g.writeArrayFieldStart("content");
            for (String ref : n.content()) g.writeString(ref);
            g.writeEndArray();
        }
        string(g, "subtree", n.subtree());
        string(g, "target", n.target());
        number(g, "rdev", n.rdev());
        string(g, "link", n.link());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, String field, String v) throws IOException {
        if (v != null) g.writeStringField(field, v);
    }

    private static void number(JsonGenerator g, String field, Number v) throws IOException {
        if (v instanceof Integer i) g.writeNumberField(field, i);
        else if (v != null) g.writeNumberField(field, v.longValue());
    }

    static Tree read(String where, byte[] bytes) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
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
            if (p.nextToken() != null) throw new IOException("trailing content after the tree");
            if (nodes == null) throw new IOException("no node list");
            return new Tree(v, nodes);
        } catch (IOException | RuntimeException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new CorruptObjectException(where, "cannot decode Tree: " + m);
        }
    }

    /** Reads one array element whose first token is {@code t}. */
    @FunctionalInterface
    private interface Element<T> {
        T read(JsonParser p, JsonToken t) throws IOException;
    }

    /** An array (or null) of elements read by {@code e}. */
    private static <T> List<T> array(JsonParser p, JsonToken start, Element<T> e) throws IOException {
        if (start == JsonToken.VALUE_NULL) return null;
        expect(start, JsonToken.START_ARRAY);
        List<T> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) out.add(e.read(p, t));
        return out;
    }

    private static Node node(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        String name = null, type = null, chunking = null, subtree = null, target = null, link = null;
        Integer mode = null, uid = null, gid = null;
        Long mtime = null, ctime = null, inode = null, size = null, rdev = null;
        List<String> content = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "name" -> name = text(p, t);
                case "type" -> type = text(p, t);
                case "mode" -> mode = integer(p, t);
                case "uid" -> uid = integer(p, t);
                case "gid" -> gid = integer(p, t);
                case "mtime" -> mtime = longValue(p, t);
                case "ctime" -> ctime = longValue(p, t);
                case "inode" -> inode = longValue(p, t);
                case "size" -> size = longValue(p, t);
                case "chunking" -> chunking = text(p, t);
                case "content" -> content = array(p, t, TreeCodec::text);
                case "subtree" -> subtree = text(p, t);
                case "target" -> target = text(p, t);
                case "rdev" -> rdev = longValue(p, t);
                case "link" -> link = text(p, t);
                default -> p.skipChildren();
            }
        }
        expect(p.currentToken(), JsonToken.END_OBJECT);
        return new Node(name, type, mode, uid, gid, mtime, ctime, inode, size, chunking, content, subtree, target, rdev, link);
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static Integer integer(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_NUMBER_INT);
        return p.getIntValue(); // fails on a number out of int range
    }

    private static Long longValue(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_NUMBER_INT);
        return p.getLongValue();
    }

    private static void expect(JsonToken got, JsonToken want) throws IOException {
        if (got != want) throw new IOException("expected " + want + " but found " + got);
    }
}
