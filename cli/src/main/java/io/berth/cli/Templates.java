package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that --format users write: {@code {{.Field}}}, {@code {{.A.B}}},
 * {@code {{json .A}}}, and literal text with "\t" and "\n".
 */
public final class Templates {

    private static final Pattern ACTION = Pattern.compile("\\{\\{\\s*(json\\s+)?\\.([A-Za-z0-9_.]*)\\s*}}");

    private Templates() {}

    /** Renders against a JSON document (inspect). */
    public static String render(String template, JsonNode root) {
        return render(template, path -> {
            JsonNode n = root;
            if (!path.isEmpty()) {
                for (String part : path.split("\\.")) {
                    n = n == null ? null : n.get(part);
                }
            }
            return n;
        });
    }

    /** Renders against named fields (ps, images). */
    public static String render(String template, Map<String, String> fields) {
        return render(template, path -> {
            String v = fields.get(path);
            return v == null ? null : ApiClient.JSON.getNodeFactory().textNode(v);
        });
    }

    private static String render(String template, java.util.function.Function<String, JsonNode> lookup) {
        String t = template.replace("\\t", "\t").replace("\\n", "\n");
        Matcher m = ACTION.matcher(t);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            JsonNode v = lookup.apply(m.group(2));
            String text;
            if (m.group(1) != null) {
                text = v == null ? "null" : v.toString();
            } else if (v == null || v.isNull()) {
                text = "<no value>";
            } else if (v.isValueNode()) {
                text = v.asText();
            } else {
                text = v.toString();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Prints inspected objects as docker's inspect commands do: the daemon's documents as a JSON array
     * indented by four spaces, or with {@code format} the template once per object (an empty line when
     * there is none).
     */
    public static void printInspected(java.util.List<JsonNode> objects, String format, java.io.PrintStream out)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        if (format != null && !format.isEmpty()) {
            objects.forEach(n -> out.println(render(format, n)));
            if (objects.isEmpty()) {
                out.println();
            }
            return;
        }
        com.fasterxml.jackson.core.util.DefaultPrettyPrinter pp = new com.fasterxml.jackson.core.util.DefaultPrettyPrinter()
                .withObjectIndenter(new com.fasterxml.jackson.core.util.DefaultIndenter("    ", "\n"))
                .withArrayIndenter(new com.fasterxml.jackson.core.util.DefaultIndenter("    ", "\n"))
                .withSeparators(com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("").withArrayEmptySeparator(""));
        out.println(ApiClient.JSON.writer(pp).writeValueAsString(ApiClient.JSON.valueToTree(objects)));
    }

    /**
     * Prints rows as docker does for {@code --format}: "table ..." gives a header (each {{.Field}} named
     * by {@code headers}) and aligned columns split at tabs; "json" prints each row as a JSON object (keys
     * sorted, as Go marshals them); any other template is rendered once per row.
     */
    public static void print(String format, Map<String, String> headers, java.util.List<Map<String, String>> rows,
                             java.io.PrintStream out) {
        if (format.equals("json")) {
            rows.forEach(row -> out.println(ApiClient.JSON.valueToTree(new java.util.TreeMap<>(row))));
            return;
        }
        if (!format.startsWith("table")) {
            rows.forEach(row -> out.println(render(format, row)));
            return;
        }
        String template = format.substring("table".length()).trim().replace("\\t", "\t");
        if (template.isEmpty()) {
            template = String.join("\t", headers.keySet().stream().map(k -> "{{." + k + "}}").toList());
        }
        Table table = new Table(render(template, headers).split("\t", -1));
        for (Map<String, String> row : rows) {
            table.row(render(template, row).split("\t", -1));
        }
        table.print(out);
    }
}
