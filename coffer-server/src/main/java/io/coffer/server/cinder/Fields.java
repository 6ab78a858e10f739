package io.coffer.server.cinder;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Fields of Cinder request bodies, checked as Cinder's schemas check them. */
final class Fields {
    private static final Set<String> TRUE = Set.of("1", "t", "true", "on", "y", "yes");
    private static final Set<String> FALSE = Set.of("0", "f", "false", "off", "n", "no");

    private Fields() {}

    static String text(JsonNode body, String key, String field, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw invalid(key, field, v, v + " is not of type 'string'");
        if (v.asText().length() > max) throw invalid(key, field, v, "'" + v.asText() + "' is too long");
        return v.asText();
    }

    /** A boolean, or a string strutils takes strictly for one ("true", "1", "on", …). */
    static boolean bool(JsonNode body, String key, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return false;
        if (v.isBoolean()) return v.asBoolean();
        String s = v.asText().toLowerCase(Locale.ROOT);
        if (TRUE.contains(s)) return true;
        if (FALSE.contains(s)) return false;
        throw invalid(key, field, v, v + " is not valid under any of the given schemas");
    }

    static Map<String, String> map(JsonNode body, String key, String field) {
        JsonNode v = body.get(field);
        Map<String, String> m = new LinkedHashMap<>();
        if (v == null || v.isNull()) return m;
        if (!v.isObject()) throw invalid(key, field, v, v + " is not of type 'object'");
        for (var it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw invalid(key, field, v, e.getValue() + " is not of type 'string'");
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    static CinderFault invalid(String key, String field, JsonNode value, String why) {
        return CinderFault.badRequest("Invalid input for field/attribute " + field + ". Value: " + value + ". " + why);
    }
}
