package dev.skiff.oci.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A parsed {@code WWW-Authenticate} header: the scheme and its {@code key=value} parameters. */
record Challenge(String scheme, Map<String, String> params) {
  static Challenge parse(String header) {
    String h = header == null ? "" : header.strip();
    int space = h.indexOf(' ');
    String scheme = space < 0 ? h : h.substring(0, space);
    Map<String, String> params = new HashMap<>();
    int i = space < 0 ? h.length() : space + 1;
    while (i < h.length()) {
      while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
        i++;
      }
      int eq = h.indexOf('=', i);
      if (eq < 0) {
        break;
      }
      String key = h.substring(i, eq).strip().toLowerCase(Locale.ROOT);
      i = eq + 1;
      StringBuilder value = new StringBuilder();
      if (i < h.length() && h.charAt(i) == '"') {
        i++;
        while (i < h.length() && h.charAt(i) != '"') {
          if (h.charAt(i) == '\\' && i + 1 < h.length()) {
            i++;
          }
          value.append(h.charAt(i++));
        }
        i++;
      } else {
        while (i < h.length() && h.charAt(i) != ',') {
          value.append(h.charAt(i++));
        }
      }
      params.put(key, value.toString().strip());
    }
    return new Challenge(scheme, params);
  }
}
