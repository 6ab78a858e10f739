package io.coffer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of every command that talks to the server, and how results are printed. */
final class ServerOptions {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--server", paramLabel = "URL", description = "Server URL (default: $COFFER_URL or " + ApiClient.DEFAULT_URL + ").")
    String server;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default) or json.")
    String output = "table";

    @Option(names = {"-q", "--quiet"}, description = "No progress on stderr.")
    boolean quiet;

    ApiClient client() {
        if (!output.equals("table") && !output.equals("json")) throw new ApiException(ExitCodes.USAGE, "--output must be table or json, not '" + output + "'");
        return new ApiClient(server, null);
    }

    boolean json() {
        return output.equals("json");
    }

    /** Prints one resource: JSON as the API gives it, or aligned "field: value" lines. */
    void printOne(JsonNode resource) {
        if (json()) {
            print(resource);
            return;
        }
        int w = 0;
        for (Iterator<String> it = resource.fieldNames(); it.hasNext(); ) w = Math.max(w, it.next().length());
        for (Iterator<Map.Entry<String, JsonNode>> it = resource.fields(); it.hasNext(); ) {
            var e = it.next();
            System.out.printf(Locale.ROOT, "%-" + w + "s  %s%n", e.getKey(), text(e.getValue()));
        }
    }

    /** Prints a list: a JSON array, or a table of the given columns. */
    void printList(JsonNode array, String... columns) {
        if (json()) {
            print(array);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(columns);
        for (JsonNode n : array) {
            String[] r = new String[columns.length];
            for (int i = 0; i < columns.length; i++) r[i] = text(n.path(columns[i]));
            rows.add(r);
        }
        int[] w = new int[columns.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) sb.append("  ");
                sb.append(i == r.length - 1 ? r[i] : String.format(Locale.ROOT, "%-" + w[i] + "s", r[i]));
            }
            System.out.println(sb);
        }
    }

    static void print(JsonNode n) {
        try {
            System.out.println(PRETTY.writeValueAsString(n));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return "-";
        if (v.isValueNode()) return v.asText();
        return v.toString();
    }
}
