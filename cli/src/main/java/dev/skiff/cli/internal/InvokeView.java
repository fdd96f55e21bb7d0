package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.cli.internal.GatewayClient.Header;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How {@code skiff invoke} shows an answer: curl's {@code -i} head, or one JSON document. */
public final class InvokeView {
  /** The gateway names the revision that answered in this header. */
  public static final String REVISION_HEADER = "X-Skiff-Revision";

  private InvokeView() {}

  /**
   * The status line and headers as received, each ending in CRLF, then the empty line; control
   * characters in them are escaped ({@link TerminalText}), the body is not touched.
   */
  public static String head(String statusLine, List<Header> headers) {
    StringBuilder b =
        new StringBuilder(statusLine == null ? "" : TerminalText.line(statusLine)).append("\r\n");
    for (Header h : headers) {
      b.append(TerminalText.line(h.name()))
          .append(": ")
          .append(TerminalText.line(h.value()))
          .append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  /**
   * {@code {"status", "headers", "body", "bodyEncoding", "revision"}}. Header names are lower-case
   * (they are case-insensitive, so scripts can look them up one way); repeated headers are joined
   * with {@code ", "}. The body is text when it is valid UTF-8, else base64.
   */
  public static ObjectNode document(int status, List<Header> headers, byte[] body) {
    ObjectNode doc = Json.mapper().createObjectNode().put("status", status);
    Map<String, String> joined = new LinkedHashMap<>();
    String revision = null;
    for (Header h : headers) {
      joined.merge(h.name().toLowerCase(Locale.ROOT), h.value(), (a, b) -> a + ", " + b);
      if (revision == null && h.name().equalsIgnoreCase(REVISION_HEADER)) {
        revision = h.value();
      }
    }
    ObjectNode hs = doc.putObject("headers");
    joined.forEach(hs::put);
    String text = utf8(body);
    doc.put("body", text != null ? text : Base64.getEncoder().encodeToString(body));
    doc.put("bodyEncoding", text != null ? "utf-8" : "base64");
    doc.put("revision", revision);
    return doc;
  }

  /** The bytes as text if they are valid UTF-8, else null. */
  public static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
