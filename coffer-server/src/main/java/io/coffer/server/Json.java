package io.coffer.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.coffer.service.ServiceException;
import java.util.stream.Collectors;

/** Strict JSON parsing: unknown fields, wrong types and trailing garbage are 400s that name the field. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private Json() {}

    static <T> T parse(String body, Class<T> type) {
        if (body == null || body.isBlank()) body = "{}";
        try {
            return MAPPER.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST,
                    "unknown field '" + e.getPropertyName() + "' in the request body; allowed fields: " + known);
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]").collect(Collectors.joining("."));
            String what = e.getTargetType() == null ? "a different type" : describe(e.getTargetType());
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST,
                    field.isEmpty() ? "the request body must be a JSON object" : "field '" + field + "' must be " + what);
        } catch (JsonProcessingException e) {
            throw new ServiceException(ServiceException.Code.INVALID_REQUEST, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String describe(Class<?> t) {
        if (t == String.class) return "a string";
        if (t == Boolean.class || t == boolean.class) return "true or false";
        if (java.util.Map.class.isAssignableFrom(t)) return "an object of string values";
        return "a " + t.getSimpleName();
    }
}
