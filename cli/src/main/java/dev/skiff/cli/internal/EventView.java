package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.event.Event;
import dev.skiff.api.manifest.Json;
import java.time.Instant;
import java.util.List;

/**
 * Events as {@code skiff events} and {@code describe} print them: a table {@code LAST SEEN, TYPE,
 * REASON, OBJECT, MESSAGE} (with {@code (xN)} for repeats), or, following, one line per event as it
 * arrives. Every value is printed with its control characters escaped ({@link TerminalText}).
 */
public final class EventView {
  private EventView() {}

  public static Table table(List<Event> events, boolean withNamespace, Instant now) {
    Table t =
        withNamespace
            ? new Table("NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
            : new Table("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    for (Event e : events) {
      String lastSeen = Ages.since(e.lastTime(), now) + " ago";
      String object = e.kind() + "/" + e.name();
      String message = e.message() + (e.count() > 1 ? " (x" + e.count() + ")" : "");
      if (withNamespace) {
        t.row(e.namespace(), lastSeen, e.type(), e.reason(), object, message);
      } else {
        t.row(lastSeen, e.type(), e.reason(), object, message);
      }
    }
    return t;
  }

  /** One streamed event as a line: time, type, reason, object, message; or as JSON/YAML. */
  public static String line(String ndjson, Format format) {
    if (ndjson.isBlank()) {
      return "";
    }
    JsonNode tree = Decoder.tree(ndjson);
    if (format == Format.JSON) {
      return ndjson + "\n";
    }
    if (format == Format.YAML) {
      return "---\n" + Json.writeYaml(tree == null ? ndjson : tree);
    }
    if (tree == null || !tree.isObject()) {
      return TerminalText.line(ndjson) + "\n";
    }
    Event e = Decoder.read(tree, Event.class);
    return String.format(
        "%-20s %-7s %-16s %-28s %s%n",
        TerminalText.line(String.valueOf(e.lastTime())),
        TerminalText.line(e.type()),
        TerminalText.line(e.reason()),
        TerminalText.line(e.kind() + "/" + e.name()),
        TerminalText.line(e.message() + (e.count() > 1 ? " (x" + e.count() + ")" : "")));
  }
}
