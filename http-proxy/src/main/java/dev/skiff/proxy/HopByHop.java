package dev.skiff.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Copies end-to-end headers from one exchange to the next hop, leaving out the hop-by-hop headers
 * of RFC 9110 section 7.6.1 (and those a {@code Connection} header names), HTTP/2 pseudo headers,
 * and whatever the caller owns.
 */
public final class HopByHop {
  /** The hop-by-hop headers, lower case. */
  public static final Set<String> HEADERS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "http2-settings");

  private HopByHop() {}

  /**
   * Adds every end-to-end header of {@code from} to {@code to}, except names in {@code skip} (lower
   * case).
   */
  public static void copy(MultiMap from, MultiMap to, Set<String> skip) {
    Set<String> listed = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey().toLowerCase(Locale.ROOT); // the same string when already lower case
      if (name.startsWith(":")
          || HEADERS.contains(name)
          || listed.contains(name)
          || skip.contains(name)) {
        continue;
      }
      to.add(h.getKey(), h.getValue());
    }
  }

  /** Header names listed in {@code Connection}, lower case. */
  private static Set<String> connectionTokens(MultiMap headers) {
    if (!headers.contains("connection")) {
      return Set.of(); // nearly every request and response: no set to build
    }
    Set<String> out = new HashSet<>();
    for (String value : headers.getAll("connection")) {
      for (String token : value.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          out.add(t);
        }
      }
    }
    return out;
  }
}
