package dev.skiff.wasm.internal;

import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A request's CGI environment encoded straight into an {@link Environ} block: the same entries, in
 * the same order and the same bytes as {@code Environ.of(CgiEnvironment.env(request, config))},
 * without the map, a {@code HTTP_*} string per header and a string per joined value in between
 * (with the encoding after it, about a fifth of the Wasm workers' samples for an event with a dozen
 * headers; docs/eventing.md, eleventh round).
 *
 * <p>Taken only in the common case: the service's own variables (first, in their order; {@code
 * K_SERVICE} and the like for every deployed service) are neither CGI variables, which the map
 * would replace in place, nor {@code HTTP_*}, which it would join with a header; everything is
 * ASCII; and no two headers give the same variable (which the map joins). Anything else goes
 * through the map, unchanged.
 */
final class RequestEnviron {
  private RequestEnviron() {}

  static Environ of(WagiRequest request, WasmConfig config) {
    Map<String, String> own = config.env();
    String[] cgi = CgiEnvironment.variables(request);
    Map<String, List<String>> headers = request.headers();
    List<Map.Entry<String, List<String>>> kept = new ArrayList<>(headers.size());
    int size = 0;
    for (Map.Entry<String, String> e : own.entrySet()) {
      if (!ascii(e.getKey()) || !ascii(e.getValue()) || overlaps(e.getKey(), cgi)) {
        return Environ.of(CgiEnvironment.env(request, config));
      }
      size += e.getKey().length() + e.getValue().length() + 2; // '=' and NUL
    }
    for (int i = 0; i < cgi.length; i += 2) {
      if (!ascii(cgi[i]) || !ascii(cgi[i + 1])) {
        return Environ.of(CgiEnvironment.env(request, config));
      }
      size += cgi[i].length() + cgi[i + 1].length() + 2; // '=' and NUL
    }
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey();
      List<String> vals = h.getValue();
      if (vals.isEmpty() || withheld(name)) {
        continue;
      }
      if (!ascii(name)) {
        return Environ.of(CgiEnvironment.env(request, config));
      }
      for (int k = 0; k < kept.size(); k++) {
        if (sameVariable(kept.get(k).getKey(), name)) {
          return Environ.of(CgiEnvironment.env(request, config)); // joined by the map
        }
      }
      int length = 5 + name.length() + 2; // HTTP_, '=' and NUL
      for (int v = 0; v < vals.size(); v++) {
        String value = vals.get(v);
        if (!ascii(value)) {
          return Environ.of(CgiEnvironment.env(request, config));
        }
        length += value.length() + (v > 0 ? 2 : 0); // ", " between values
      }
      kept.add(h);
      size += length;
    }
    byte[] block = new byte[size];
    int[] starts = new int[own.size() + cgi.length / 2 + kept.size()];
    int at = 0;
    int n = 0;
    for (Map.Entry<String, String> e : own.entrySet()) {
      starts[n++] = at;
      at = put(e.getKey(), block, at);
      block[at++] = '=';
      at = put(e.getValue(), block, at);
      block[at++] = 0;
    }
    for (int i = 0; i < cgi.length; i += 2) {
      starts[n++] = at;
      at = put(cgi[i], block, at);
      block[at++] = '=';
      at = put(cgi[i + 1], block, at);
      block[at++] = 0;
    }
    for (Map.Entry<String, List<String>> h : kept) {
      starts[n++] = at;
      at = putVariable(h.getKey(), block, at);
      block[at++] = '=';
      List<String> vals = h.getValue();
      for (int v = 0; v < vals.size(); v++) {
        if (v > 0) {
          block[at++] = ',';
          block[at++] = ' ';
        }
        at = put(vals.get(v), block, at);
      }
      block[at++] = 0;
    }
    return new Environ(block, starts);
  }

  /**
   * Whether the service's own variable {@code name} is one the map would replace (a CGI variable)
   * or join (a header's {@code HTTP_*}).
   */
  private static boolean overlaps(String name, String[] cgi) {
    if (name.startsWith("HTTP_")) {
      return true;
    }
    for (int i = 0; i < cgi.length; i += 2) {
      if (cgi[i].equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the header's variable is one {@link CgiEnvironment#withheld} (names are ASCII). */
  private static boolean withheld(String name) {
    return name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase("Connection");
  }

  /** Whether two ASCII header names give the same {@code HTTP_*} variable. */
  private static boolean sameVariable(String a, String b) {
    if (a.length() != b.length()) {
      return false;
    }
    for (int i = 0; i < a.length(); i++) {
      if (variableChar(a.charAt(i)) != variableChar(b.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** A name's character in its variable, as {@link CgiEnvironment#variable} maps it (ASCII). */
  private static char variableChar(char c) {
    if (c >= 'a' && c <= 'z') {
      return (char) (c - ('a' - 'A'));
    }
    return c == '-' ? '_' : c;
  }

  private static int putVariable(String name, byte[] block, int at) {
    block[at++] = 'H';
    block[at++] = 'T';
    block[at++] = 'T';
    block[at++] = 'P';
    block[at++] = '_';
    for (int i = 0; i < name.length(); i++) {
      block[at++] = (byte) variableChar(name.charAt(i));
    }
    return at;
  }

  private static int put(String s, byte[] block, int at) {
    for (int i = 0; i < s.length(); i++) {
      block[at++] = (byte) s.charAt(i);
    }
    return at;
  }

  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
