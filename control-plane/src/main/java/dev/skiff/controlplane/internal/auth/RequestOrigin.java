package dev.skiff.controlplane.internal.auth;

import dev.skiff.controlplane.ForbiddenException;
import dev.skiff.controlplane.MisdirectedRequestException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Refuses requests a browser sends on behalf of a page from elsewhere. The {@code Host} header must
 * name this API: an IP literal, {@code localhost}, or a name the operator listed ({@code
 * --api-hostname}). A web page can make a browser send requests to 127.0.0.1 only under a DNS name
 * of its own that later resolves there (DNS rebinding); that name is in the Host header, so an
 * unknown name is refused. An IP literal cannot be rebound, so every one is accepted. A request
 * with an {@code Origin} other than the API's own, or marked {@code Sec-Fetch-Site: cross-site},
 * came from another site's page: refused.
 */
public final class RequestOrigin {
  private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
  private static final Pattern IPV6 = Pattern.compile("^[0-9a-f:.]+$");

  private final Set<String> names;
  private final boolean tls;

  /** {@code names}: the DNS names (beyond localhost and IP literals) the API is reached by. */
  public RequestOrigin(List<String> names, boolean tls) {
    this.names = Set.copyOf(names.stream().map(RequestOrigin::normalize).toList());
    this.tls = tls;
  }

  /** Throws 421 for a foreign Host, 403 for a foreign Origin or a cross-site fetch. */
  public void check(HttpServerRequest req) {
    HostAndPort authority = req.authority();
    if (authority == null) {
      throw new MisdirectedRequestException(
          "the request has no Host header", "send Host: the address you connect to");
    }
    String host = normalize(authority.host());
    if (!allowed(host)) {
      throw new MisdirectedRequestException(
          "Host '"
              + authority.host()
              + "' does not name this API: it answers only to IP addresses, localhost and the"
              + " names given with --api-hostname (a guard against DNS rebinding)",
          "connect by IP address, or start skiffd with --api-hostname " + authority.host());
    }
    if ("cross-site".equalsIgnoreCase(req.getHeader("Sec-Fetch-Site"))) {
      throw new ForbiddenException(
          "cross-site browser requests are refused (Sec-Fetch-Site: cross-site)",
          "call the API from the skiff CLI, curl or a server, not from a web page of another site");
    }
    String origin = req.getHeader("Origin");
    if (origin != null && !sameOrigin(origin, host, port(authority))) {
      throw new ForbiddenException(
          "requests from a browser page of origin '" + origin + "' are refused",
          "the API takes no cross-origin requests; call it from the skiff CLI, curl or a server");
    }
  }

  private boolean allowed(String host) {
    return host.equals("localhost")
        || IPV4.matcher(host).matches()
        || (host.contains(":") && IPV6.matcher(host).matches())
        || names.contains(host);
  }

  private boolean sameOrigin(String origin, String host, int port) {
    URI u;
    try {
      u = new URI(origin);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    if (u.getScheme() == null || u.getHost() == null) {
      return false; // "null" and other opaque origins
    }
    String scheme = tls ? "https" : "http";
    int originPort = u.getPort() >= 0 ? u.getPort() : defaultPort(u.getScheme());
    return u.getScheme().equalsIgnoreCase(scheme)
        && normalize(u.getHost()).equals(host)
        && originPort == port;
  }

  private int port(HostAndPort authority) {
    return authority.port() >= 0 ? authority.port() : defaultPort(tls ? "https" : "http");
  }

  private static int defaultPort(String scheme) {
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
