package dev.skiff.server;

import dev.skiff.eventing.spi.EventReply;
import dev.skiff.eventing.spi.EventRequest;
import dev.skiff.eventing.spi.EventSink;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.MeshCaller;
import dev.skiff.meshproxy.OutboundCall;
import io.vertx.core.Future;
import java.net.URI;

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
  private final String domain;

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
            URI.create("http://" + service + "." + namespace + "." + domain + request.path()),
            request.headers(),
            request.body(),
            request.timeout(),
            MAX_RESPONSE);
    return mesh.call(identity, call)
        .map(reply -> new EventReply(reply.status(), reply.headers(), reply.body()));
  }
}
