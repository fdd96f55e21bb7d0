package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.SkiffHeaders;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;

/** One request through the sidecar, with the caller's identity taken from its TLS session. */
public final class SidecarExchange extends ProxyExchange {
  private final SpiffeId caller;
  private final boolean proxied;
  private final long startNanos = System.nanoTime();

  /**
   * {@code caller}: the identity the connection's client certificate names (read once per
   * connection), or the caller this process already knows for a request handed over in process;
   * null for none.
   */
  public SidecarExchange(HttpServerRequest request, Context context, SpiffeId caller) {
    super(request, context);
    this.caller = caller;
    this.proxied =
        SkiffHeaders.PROXIED_BY_ACTIVATOR.equals(request.getHeader(SkiffHeaders.PROXIED_BY));
  }

  /** The SPIFFE ID of the client certificate; null for a caller without one (PERMISSIVE only). */
  public SpiffeId caller() {
    return caller;
  }

  /** Whether the activator forwarded the request (counted as proxied in the stats). */
  public boolean proxied() {
    return proxied;
  }

  public long startNanos() {
    return startNanos;
  }
}
