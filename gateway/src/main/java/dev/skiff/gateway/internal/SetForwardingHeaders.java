package dev.skiff.gateway.internal;

import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * Assembles the headers the instance sees: the client's end-to-end headers, plus {@code
 * X-Forwarded-For/-Proto/-Host}, RFC 7239 {@code Forwarded}, {@code X-Request-Id} and the hop's
 * {@code traceparent}. A request to the activator also names its revision and timeout ({@link
 * SkiffHeaders}); a client's own copies of those headers are always dropped, so no client can steer
 * the activator to another revision.
 */
final class SetForwardingHeaders implements Stage<Exchange> {
  /** Set by this stage or by the HTTP client, never copied from the client. */
  private static final Set<String> OWNED = owned();

  private final Stage<Exchange> next;

  SetForwardingHeaders(Stage<Exchange> next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    HttpServerRequest req = x.request();
    MultiMap out = x.upstreamHeaders();
    HopByHop.copy(req.headers(), out, OWNED);
    String client = clientAddress(req.remoteAddress());
    String proto = req.scheme() == null ? "http" : req.scheme();
    HostAndPort authority = req.authority();
    String host = authority == null ? null : authority.toString();

    String xff = req.getHeader("x-forwarded-for");
    out.set("x-forwarded-for", xff == null || xff.isBlank() ? client : xff + ", " + client);
    out.set("x-forwarded-proto", proto);
    StringBuilder forwarded = new StringBuilder("for=").append(forwardedNode(client));
    if (host != null) {
      out.set("x-forwarded-host", host);
      forwarded.append(";host=").append(quoted(host));
    }
    forwarded.append(";proto=").append(proto);
    String earlier = req.getHeader("forwarded");
    out.set(
        "forwarded",
        earlier == null || earlier.isBlank() ? forwarded.toString() : earlier + ", " + forwarded);
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

  private static Set<String> owned() {
    Set<String> owned =
        new HashSet<>(
            Set.of(
                "host",
                "expect",
                "x-forwarded-proto",
                "x-forwarded-host",
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
