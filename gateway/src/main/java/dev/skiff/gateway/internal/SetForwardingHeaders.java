package dev.skiff.gateway.internal;

import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.TrustedProxies;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Assembles the headers the instance sees: the client's end-to-end headers, plus {@code
 * X-Forwarded-For/-Proto/-Host}, RFC 7239 {@code Forwarded}, {@value SkiffHeaders#CLIENT_ADDRESS},
 * {@code X-Request-Id} and the hop's {@code traceparent}. The client is the TCP peer; only a peer
 * among the trusted proxies may say otherwise, and then the gateway extends its chain. A client's
 * forwarding headers are replaced, never passed on as the gateway's. A request to the activator
 * also names its revision and timeout ({@link SkiffHeaders}); a client's own copies of Skiff's
 * headers are always dropped, so no client can steer the activator or claim another address.
 */
final class SetForwardingHeaders implements Stage<Exchange> {
  /** Set by this stage or by the HTTP client, never copied from the client. */
  private static final Set<String> OWNED = owned();

  private final TrustedProxies trusted;
  private final Stage<Exchange> next;

  SetForwardingHeaders(TrustedProxies trusted, Stage<Exchange> next) {
    this.trusted = trusted;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    HttpServerRequest req = x.request();
    MultiMap out = x.upstreamHeaders();
    HopByHop.copy(req.headers(), out, OWNED);
    String peer = clientAddress(req.remoteAddress());
    boolean fromProxy = trusted.trusts(peer);
    HostAndPort authority = req.authority();
    String host = authority == null ? null : authority.toString();
    String proto = req.scheme() == null ? "http" : req.scheme();
    String xff = null;
    String earlier = null;
    if (fromProxy) {
      String claimed = req.getHeader("x-forwarded-proto");
      if ("https".equalsIgnoreCase(claimed) || "http".equalsIgnoreCase(claimed)) {
        proto = claimed.toLowerCase(Locale.ROOT);
      }
      xff = joined(req.headers().getAll("x-forwarded-for"));
      earlier = joined(req.headers().getAll("forwarded"));
    }
    out.set("x-forwarded-for", xff == null ? peer : xff + ", " + peer);
    out.set(SkiffHeaders.CLIENT_ADDRESS, fromProxy ? client(xff, peer) : peer);
    out.set("x-forwarded-proto", proto);
    // Sized for an IPv6 peer and a long host, so it is never grown.
    StringBuilder forwarded = new StringBuilder(128).append("for=").append(forwardedNode(peer));
    if (host != null) {
      out.set("x-forwarded-host", host);
      forwarded.append(";host=").append(quoted(host));
    }
    forwarded.append(";proto=").append(proto);
    out.set("forwarded", earlier == null ? forwarded.toString() : earlier + ", " + forwarded);
    out.set(RequestIds.HEADER, x.requestId());
    out.set(TraceParent.HEADER, x.traceParent().header());
    if (x.traceParent().restarted()) {
      out.remove("tracestate"); // belongs to a trace we did not continue
    }
    if (x.viaActivator()) {
      out.set(SkiffHeaders.REVISION_NAMESPACE, x.route().namespace());
      out.set(SkiffHeaders.REVISION_NAME, x.revision());
      out.set(SkiffHeaders.REQUEST_TIMEOUT_MS, Long.toString(x.route().timeout().toMillis()));
    }
    return Stage.call(next, x);
  }

  /**
   * The client behind a trusted proxy: walking the chain from the right, the first hop that is not
   * itself a trusted proxy. An entry that is not an IP address ends the walk at the hop after it,
   * the last one a trusted proxy vouched for.
   */
  private String client(String xff, String peer) {
    if (xff == null) {
      return peer;
    }
    String[] hops = xff.split(",");
    String vouched = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!TrustedProxies.isAddress(hop)) {
        return vouched;
      }
      if (!trusted.trusts(hop)) {
        return hop;
      }
      vouched = hop;
    }
    return vouched;
  }

  private static String joined(List<String> values) {
    List<String> kept = values.stream().filter(v -> !v.isBlank()).toList();
    return kept.isEmpty() ? null : String.join(", ", kept);
  }

  private static Set<String> owned() {
    Set<String> owned =
        new HashSet<>(
            Set.of(
                "host",
                "expect",
                "x-forwarded-for",
                "x-forwarded-proto",
                "x-forwarded-host",
                "forwarded",
                RequestIds.HEADER,
                TraceParent.HEADER));
    owned.addAll(SkiffHeaders.ALL);
    return Set.copyOf(owned);
  }

  private static String clientAddress(SocketAddress remote) {
    String ip = remote == null ? null : remote.hostAddress();
    return ip == null || ip.isEmpty() ? "unknown" : ip;
  }

  /** RFC 7239 node: IPv6 addresses are bracketed and quoted. */
  private static String forwardedNode(String ip) {
    return ip.indexOf(':') >= 0 ? "\"[" + ip + "]\"" : ip;
  }

  /** A host with a port (or brackets) is not an RFC 7230 token, so it is quoted. */
  private static String quoted(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      }
    }
    return value;
  }
}
