package dev.skiff.meshproxy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID, {@code spiffe://{trust-domain}/{path}}: {@code /ns/{namespace}/svc/{service}} for
 * workloads, {@code /skiff/{component}} for Skiff's own components.
 *
 * @param trustDomain lower-case letters, digits, dots, dashes and underscores
 * @param path starts with a slash; segments of letters, digits, dots, dashes and underscores
 */
public record SpiffeId(String trustDomain, String path) {
  private static final Pattern DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._-]+)+");
  private static final String SCHEME = "spiffe://";

  public SpiffeId {
    if (trustDomain == null || !DOMAIN.matcher(trustDomain).matches()) {
      throw new InvalidIdentityException(
          "trust domain '"
              + trustDomain
              + "' is not valid: use lower-case letters, digits, '.', '-' and '_'");
    }
    if (path == null || path.length() > 2048 || !PATH.matcher(path).matches()) {
      throw new InvalidIdentityException(
          "SPIFFE path '"
              + path
              + "' is not valid: use /segment/segment with letters, digits, '.', '-' and '_'");
    }
    for (String segment : path.substring(1).split("/")) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new InvalidIdentityException("SPIFFE path '" + path + "' may not hold . or ..");
      }
    }
  }

  /** A workload's identity, {@code spiffe://{td}/ns/{namespace}/svc/{service}}. */
  public static SpiffeId workload(String trustDomain, String namespace, String service) {
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/svc/" + service);
  }

  /** A Skiff component's identity, {@code spiffe://{td}/skiff/{component}}. */
  public static SpiffeId component(String trustDomain, String component) {
    return new SpiffeId(trustDomain, "/skiff/" + component);
  }

  /** Parses {@code spiffe://td/path}; fails naming what is wrong. */
  public static SpiffeId parse(String uri) {
    if (uri == null || !uri.toLowerCase(Locale.ROOT).startsWith(SCHEME)) {
      throw new InvalidIdentityException(
          "'" + uri + "' is not a SPIFFE ID: it must start with spiffe://");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      throw new InvalidIdentityException(
          "'" + uri + "' is not a SPIFFE ID: it needs a trust domain and a path");
    }
    if (rest.contains("?") || rest.contains("#") || rest.contains("%")) {
      throw new InvalidIdentityException(
          "'" + uri + "' is not a SPIFFE ID: no query, fragment or percent-encoding allowed");
    }
    return new SpiffeId(rest.substring(0, slash), rest.substring(slash));
  }

  /** {@code spiffe://td/path}. */
  public String uri() {
    return SCHEME + trustDomain + path;
  }

  @Override
  public String toString() {
    return uri();
  }
}
