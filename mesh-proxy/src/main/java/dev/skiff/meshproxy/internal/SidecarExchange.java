package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.SkiffHeaders;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/** One request through the sidecar, with the caller's identity taken from its TLS session. */
public final class SidecarExchange extends ProxyExchange {
  private final SpiffeId caller;
  private final boolean proxied;
  private final long startNanos = System.nanoTime();

  public SidecarExchange(HttpServerRequest request, Context context) {
    this(request, context, callerOf(request));
  }

  /**
   * A request handed over in process by a caller this process already knows ({@code caller}), not
   * read off a TLS session.
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

  private static SpiffeId callerOf(HttpServerRequest request) {
    if (!request.connection().isSsl()) {
      return null;
    }
    try {
      List<Certificate> certs = request.connection().peerCertificates();
      if (certs == null || certs.isEmpty() || !(certs.get(0) instanceof X509Certificate leaf)) {
        return null;
      }
      // The handshake's PeerVerifier already required exactly one SPIFFE ID of our trust domain.
      List<String> ids = Pem.spiffeUris(leaf);
      return ids.size() == 1 ? SpiffeId.parse(ids.get(0)) : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
