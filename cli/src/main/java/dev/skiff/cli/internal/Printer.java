package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Writes a command's result to stdout. In {@code json} and {@code yaml} mode a command prints
 * exactly one document (so scripts can parse stdout whole); in {@code table} mode it prints lines
 * for people, with any control character that slipped into them escaped ({@link
 * TerminalText#text}): names, messages and URLs in them come from the control plane.
 */
public final class Printer {
  private final PrintStream out;
  private final Format format;

  public Printer(PrintStream out, Format format) {
    this.out = out;
    this.format = format == null ? Format.TABLE : format;
  }

  /** Prints {@code document} as JSON or YAML, or, in table mode, whatever {@code human} writes. */
  public void print(JsonNode document, Consumer<PrintStream> human) {
    switch (format) {
      case JSON -> out.println(Json.writePretty(document));
      case YAML -> out.print(Json.writeYaml(document));
      case TABLE -> out.print(TerminalText.text(captured(human)));
    }
    out.flush();
  }

  private static String captured(Consumer<PrintStream> human) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (PrintStream p = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      human.accept(p);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
