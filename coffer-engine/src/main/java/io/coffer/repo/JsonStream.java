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
 * Jackson's streaming API as the format codecs ({@link TreeCodec}, {@link MetaCodec}) use it: its
 * own factory (not {@link Json#MAPPER}'s, so that a command that reads and writes only repository
 * objects never builds the data-binding mapper, 30-40 ms of every start), strict token checks
 * that name what was expected, and writers that leave nulls out as {@link Json} does.
 */
final class JsonStream {
    static final JsonFactory FACTORY = new JsonFactory();

    private JsonStream() {}

    /** Writes one JSON value with {@code body}; returns its bytes. */
    static byte[] write(String what, int sizeHint, Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(sizeHint);
                JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + what, e);
        }
    }

    /**
     * Reads one JSON value from {@code bytes} with {@code body}, which is given the parser on the
     * first token; trailing content, a malformed document or a value the record refuses become a
     * {@link CorruptObjectException} naming {@code where} and the type.
     */
    static <T> T read(String where, String type, byte[] bytes, Element<T> body) {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            T value = body.read(p, p.nextToken());
            if (p.nextToken() != null) throw new IOException("trailing content after the " + type);
            return value;
        } catch (IOException | RuntimeException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new CorruptObjectException(where, "cannot decode " + type + ": " + m);
        }
    }

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** Reads one value whose first token is {@code t}. */
    @FunctionalInterface
    interface Element<T> {
        T read(JsonParser p, JsonToken t) throws IOException;
    }

    /** An array (or null) of elements read by {@code e}. */
    static <T> List<T> array(JsonParser p, JsonToken start, Element<T> e) throws IOException {
        if (start == JsonToken.VALUE_NULL) return null;
        expect(start, JsonToken.START_ARRAY);
        List<T> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) out.add(e.read(p, t));
        return out;
    }

    static String text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_STRING);
        return p.getText();
    }

    static Integer integer(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_NUMBER_INT);
        return p.getIntValue(); // fails on a number out of int range
    }

    static Long longValue(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        expect(t, JsonToken.VALUE_NUMBER_INT);
        return p.getLongValue();
    }

    /** An int field of a record, 0 when null (as data binding reads a missing primitive). */
    static int intOr0(JsonParser p, JsonToken t) throws IOException {
        Integer v = integer(p, t);
        return v == null ? 0 : v;
    }

    static long longOr0(JsonParser p, JsonToken t) throws IOException {
        Long v = longValue(p, t);
        return v == null ? 0 : v;
    }

    static boolean bool(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) return false;
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) throw new IOException("expected a boolean but found " + t);
        return t == JsonToken.VALUE_TRUE;
    }

    static void expect(JsonToken got, JsonToken want) throws IOException {
        if (got != want) throw new IOException("expected " + want + " but found " + got);
    }

    static void string(JsonGenerator g, String field, String v) throws IOException {
        if (v != null) g.writeStringField(field, v);
    }

    static void number(JsonGenerator g, String field, Number v) throws IOException {
        if (v instanceof Integer i) g.writeNumberField(field, i);
        else if (v != null) g.writeNumberField(field, v.longValue());
    }

    static void strings(JsonGenerator g, String field, List<String> v) throws IOException {
        if (v == null) return;
        g.writeArrayFieldStart(field);
        for (String s : v) g.writeString(s);
        g.writeEndArray();
    }
}
