package dev.skiff.wasm.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ABI's text form of a header map: one {@code name:value} per line, lines ended by {@code \n}.
 * As in the reference host, a repeated request header keeps its last value.
 */
final class HeaderText {
  private HeaderText() {}

  static List<Map.Entry<String, String>> parse(String text) {
    Map<String, Map.Entry<String, String>> byName = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return List.of();
    }
    String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    for (String line : body.split("\n", -1)) {
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw invalid("header line '" + clip(line) + "' has no ':' (write name:value)");
      }
      String name = line.substring(0, colon);
      String value = line.substring(colon + 1).strip();
      if (!isToken(name)) {
        throw invalid("header name '" + clip(name) + "' is not an HTTP token");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw invalid("the value of header '" + name + "' holds a control character");
        }
      }
      byName.put(name.toLowerCase(Locale.ROOT), Map.entry(name, value));
    }
    return new ArrayList<>(byName.values());
  }

  static String format(List<Map.Entry<String, String>> headers) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> h : headers) {
      out.append(h.getKey().toLowerCase(Locale.ROOT)).append(':').append(h.getValue()).append('\n');
    }
    return out.toString();
  }

  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static HttpCallFailed invalid(String reason) {
    return new HttpCallFailed(HttpError.INVALID_ENCODING, reason);
  }

  private static String clip(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
