package dev.skiff.api.model;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of a template's {@code allowedHosts}: a host, optionally with a scheme and a port. A
 * URL matches when its host is the same (case-insensitive) and, where the entry names them, its
 * scheme and port too.
 *
 * @param scheme {@code http}, {@code https}, or null for either
 * @param host a DNS name or an IP literal, lower case (IPv6 without brackets)
 * @param port 1-65535, or -1 for any
 */
public record AllowedHost(String scheme, String host, int port) {
  private static final Pattern DNS =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");

  /** How an entry is written, for error hints. */
  public static final String FORMS =
      "host, host:port or http(s)://host[:port], e.g. api.example.com";

  /**
   * Parses an entry; throws {@link IllegalArgumentException} saying what is wrong when it is not
   * one of {@link #FORMS}.
   */
  public static AllowedHost parse(String entry) {
    if (entry == null || entry.isBlank()) {
      throw new IllegalArgumentException("is empty");
    }
    if (entry.length() > 300) {
      throw new IllegalArgumentException("is longer than 300 characters");
    }
    String s = entry.trim().toLowerCase(Locale.ROOT);
    String scheme = null;
    int sep = s.indexOf("://");
    if (sep >= 0) {
      scheme = s.substring(0, sep);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("has scheme '" + scheme + "'; only http and https");
      }
      s = s.substring(sep + 3);
      if (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
    }
    if (s.contains("/") || s.contains("?") || s.contains("#") || s.contains("@")) {
      throw new IllegalArgumentException("has a path, query or user part; give the host only");
    }
    String host = s;
    int port = -1;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("has an IPv6 literal without ']'");
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        port = port(rest.startsWith(":") ? rest.substring(1) : "x");
      }
      if (!IPV6.matcher(host).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
      }
    } else {
      int colon = s.lastIndexOf(':');
      if (colon >= 0) {
        host = s.substring(0, colon);
        port = port(s.substring(colon + 1));
      }
      if (host.length() > 253 || !DNS.matcher(host).matches()) {
        throw new IllegalArgumentException("'" + host + "' is not a host name or IP address");
      }
    }
    return new AllowedHost(scheme, host, port);
  }

  private static int port(String text) {
    try {
      int p = Integer.parseInt(text);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("has port '" + text + "'; give 1-65535");
  }

  /** Whether {@code url} (absolute, with a host) is covered by this entry. */
  public boolean matches(URI url) {
    String h = url.getHost();
    if (h == null) {
      return false;
    }
    h = h.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (!h.equals(host)) {
      return false;
    }
    String s = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (scheme != null && !scheme.equals(s)) {
      return false;
    }
    if (port < 0) {
      return true;
    }
    int p = url.getPort() >= 0 ? url.getPort() : s.equals("https") ? 443 : 80;
    return p == port;
  }
}
