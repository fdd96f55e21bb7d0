package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.skiff.api.manifest.Json;

/**
 * One log line of {@code skiff logs} as printed. The control plane sends one JSON object per line
 * ({@code {"time", "revision", "instance", "stream", "line"}}); {@code json} passes each on
 * unchanged, {@code yaml} makes each a document starting with {@code ---}, and {@code table} prints
 * {@code <time> <revision> <stream>: <line>}, with control characters escaped ({@link
 * TerminalText}): a function's output cannot drive the terminal.
 */
public final class LogView {
  private LogView() {}

  /** The text to print for one line of the answer, newline included; empty for a blank line. */
  public static String render(String ndjson, Format format) {
    if (ndjson.isBlank()) {
      return "";
    }
    return switch (format) {
      case JSON -> ndjson + "\n";
      case YAML -> "---\n" + Json.writeYaml(parsedOr(ndjson, new TextNode(ndjson)));
      case TABLE -> table(ndjson);
    };
  }

  private static String table(String ndjson) {
    JsonNode l = parsedOr(ndjson, null);
    if (l == null || !l.isObject()) {
      // not what the API promises, but a log line is not dropped for it
      return TerminalText.line(ndjson) + "\n";
    }
    return field(l, "time")
        + " "
        + field(l, "revision")
        + " "
        + field(l, "stream")
        + ": "
        + TerminalText.line(l.path("line").asText(""))
        + "\n";
  }

  private static String field(JsonNode l, String name) {
    String v = l.path(name).asText("");
    return v.isEmpty() ? "-" : TerminalText.line(v);
  }

  private static JsonNode parsedOr(String ndjson, JsonNode fallback) {
    JsonNode tree = Decoder.tree(ndjson);
    return tree == null ? fallback : tree;
  }
}
