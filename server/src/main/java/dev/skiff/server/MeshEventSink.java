package dev.skiff.server;

import dev.skiff.eventing.spi.EventReply;
import dev.skiff.eventing.spi.EventRequest;
import dev.skiff.eventing.spi.EventSink;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.MeshCaller;
import dev.skiff.meshproxy.OutboundCall;
import io.vertx.core.Future;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The eventing dispatcher's {@link EventSink} with the mesh: each event is a call through the
 * node's {@link MeshCaller} as {@code spiffe://{td}/skiff/eventing}, the way a function calls
 * another (routing's traffic split, peak-EWMA, a callee at zero woken through the autoscaler, mTLS
 * with eventing's certificate, or in process for a Wasm instance of this JVM). The service's
 * sidecar checks eventing's identity against its policy; its answer, or the mesh's own (404, 502,
 * 503, 504 with {@code skiff-mesh-error}), is the event's.
 */
final class MeshEventSink implements EventSink {
  /**
   * The largest answer read; a larger one fails the attempt (it is retried, then dead-lettered).
   */
  static final long MAX_RESPONSE = 1 << 20;

  private final MeshCaller mesh;
  private final IdentityProvider identity;

  /**
   * The most targets whose URL is kept; past it the cache starts over (a node has a few triggers,
   * each with one service and path).
   */
  static final int MAX_TARGETS = 1024;

  private final String domain;
  private final Map<Target, URI> urls = new ConcurrentHashMap<>();

  MeshEventSink(MeshCaller mesh, IdentityProvider identity, String domain) {
    this.mesh = mesh;
    this.identity = identity;
    this.domain = domain;
  }

  @Override
  public Future<EventReply> deliver(String namespace, String service, EventRequest request) {
    OutboundCall call =
        new OutboundCall(
            "POST",
            url(namespace, service, request.path()),
            request.headers(),
            request.body(),
            request.timeout(),
            MAX_RESPONSE);
    return mesh.call(identity, call)
        .map(reply -> new EventReply(reply.status(), reply.headers(), reply.body()));
  }

  /**
   * {@code http://{service}.{namespace}.{domain}{path}}, parsed once per target rather than per
   * event (a trigger sends every event to the same one).
   */
  URI url(String namespace, String service, String path) {
    Target key = new Target(namespace, service, path);
    URI url = urls.get(key);
    if (url == null) {
      url = URI.create("http://" + service + "." + namespace + "." + domain + path);
      if (urls.size() >= MAX_TARGETS) {
        urls.clear();
      }
      urls.put(key, url);
    }
    return url;
  }

  private record Target(String namespace, String service, String path) {}
}
