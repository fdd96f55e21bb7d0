package dev.skiff.wasm.internal;

import dev.skiff.wasm.MalformedResponseException;
import dev.skiff.wasm.WagiResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns a function's stdout into an HTTP response, as WAGI does: CGI header lines ending in {@code
 * \n} or {@code \r\n}, an empty line, then the body byte for byte.
 *
 * <p>{@code Status: NNN [reason]} sets the status; {@code Location} without {@code Status} gives
 * 302; every other header is passed through. At least one of {@code Content-Type}, {@code Location}
 * or {@code Status} is required. Lines without a colon are skipped with a warning, as Spin does. A
 * header value with a control character (a bare CR, NUL; tab is allowed) fails the whole response,
 * since passing it on would let the function split the response.
 */
public final class CgiResponseParser {
  private CgiResponseParser() {}

  public static WagiResponse parse(byte[] stdout, Consumer<String> warnings) {
    return parse(stdout, stdout.length, warnings);
  }

  /** Parses the first {@code length} bytes of {@code stdout}, which may be a larger buffer. */
  static WagiResponse parse(byte[] stdout, int length, Consumer<String> warnings) {
    int bodyStart = -1;
    var lines = new ArrayList<String>();
    int lineStart = 0;
    for (int i = 0; i < length; i++) {
      if (stdout[i] != '\n') {
        continue;
      }
      int lineEnd = i > lineStart && stdout[i - 1] == '\r' ? i - 1 : i;
      if (lineEnd == lineStart) {
        bodyStart = i + 1;
        break;
      }
      lines.add(new String(stdout, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8));
      lineStart = i + 1;
    }
    if (bodyStart < 0) {
      throw new MalformedResponseException(
          length == 0 ? "no output" : "no empty line after the headers");
    }
    return respond(lines, Arrays.copyOfRange(stdout, bodyStart, length), warnings);
  }

  private static WagiResponse respond(List<String> lines, byte[] body, Consumer<String> warnings) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    Integer status = null;
    boolean sufficient = false;
    boolean hasLocation = false;
    for (String line : lines) {
      int colon = line.indexOf(':');
      String name = colon > 0 ? line.substring(0, colon).trim() : "";
      if (name.isEmpty() || !isToken(name)) {
        warnings.accept("ignored malformed CGI header line: " + abbreviate(line));
        continue;
      }
      String value = line.substring(colon + 1).trim();
      int control = firstControl(value);
      if (control >= 0) {
        // A CR could end the header early in a client or proxy that splits on it (response
        // splitting): the whole response is refused, so nothing of it reaches the client.
        throw new MalformedResponseException(
            "invalid header '"
                + name
                + "': its value contains "
                + controlName(control)
                + "; a header value must be one line without control characters");
      }
      switch (name.toLowerCase(Locale.ROOT)) {
        case "status":
          status = parseStatus(value);
          sufficient = true;
          break;
        case "location":
          hasLocation = true;
          sufficient = true;
          headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
          break;
        case "content-type":
          sufficient = true;
          headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
          break;
        default:
          headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      }
    }
    if (!sufficient) {
      throw new MalformedResponseException("none of Content-Type, Location or Status was printed");
    }
    int code = status != null ? status : hasLocation ? 302 : 200;
    return new WagiResponse(code, headers, body);
  }

  private static int parseStatus(String value) {
    int space = value.indexOf(' ');
    String code = space < 0 ? value : value.substring(0, space);
    if (code.length() == 3 && code.chars().allMatch(Character::isDigit)) {
      int status = Integer.parseInt(code);
      if (status >= 100 && status <= 599) {
        return status;
      }
    }
    throw new MalformedResponseException("invalid Status header '" + abbreviate(value) + "'");
  }

  /** The first control character other than HTAB (RFC 9110 field-value), or -1. */
  private static int firstControl(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 32 && c != '\t') || c == 127) {
        return c;
      }
    }
    return -1;
  }

  private static String controlName(int c) {
    switch (c) {
      case '\r':
        return "CR";
      case '\n':
        return "LF";
      case 0:
        return "NUL";
      default:
        return String.format("the control character 0x%02x", c);
    }
  }

  /** RFC 9110 token characters: what an HTTP header name may contain. */
  private static boolean isToken(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c < 127 && c > 32 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
