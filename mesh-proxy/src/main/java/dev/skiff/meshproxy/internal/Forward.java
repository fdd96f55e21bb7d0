package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.WorkloadUnavailableException;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.UpstreamFailure;
import io.vertx.core.Future;
import java.util.Set;

/**
 * Streams the request to the workload and its answer back. The workload learns who called from
 * {@code X-Forwarded-Client-Cert} (Envoy's header: {@code By=} this sidecar's identity, {@code
 * URI=} the caller's); a client's own copy of that header is dropped, never passed on. An h2c
 * workload is told {@code te: trailers}, since its trailers (gRPC's status) reach the client.
 */
final class Forward implements Stage<SidecarExchange> {
  static final String CLIENT_CERT = "x-forwarded-client-cert";
  private static final Set<String> DROPPED = Set.of(CLIENT_CERT);

  private final EndpointProxy proxy;
  private final String host;
  private final int port;
  private final boolean h2c;
  private final ClientCertHeader clientCert;

  Forward(EndpointProxy proxy, String host, int port, boolean h2c, SpiffeId self) {
    this.proxy = proxy;
    this.host = host;
    this.port = port;
    this.h2c = h2c;
    this.clientCert = new ClientCertHeader(self);
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    HopByHop.copy(x.request().headers(), x.upstreamHeaders(), DROPPED);
    if (x.caller() != null) {
      x.upstreamHeaders().set(CLIENT_CERT, clientCert.of(x.caller()));
    }
    if (h2c) {
      // The one TE HTTP/2 allows; gRPC servers expect it, and the proxies relay trailers.
      x.upstreamHeaders().set("te", "trailers");
    }
    return proxy.proxy(x, host, port, this::failed);
  }

  private RuntimeException failed(UpstreamFailure failure, Throwable cause) {
    return new WorkloadUnavailableException(
        failure.phrase() + " the workload at " + host + ":" + port + ": " + cause.getMessage(),
        failure != UpstreamFailure.CONNECT,
        cause);
  }
}
