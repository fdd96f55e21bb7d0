package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The SPIFFE ID each client connection's certificate names, read once per connection rather than
 * once per request (the chain is copied and its SAN extension decoded at each read). A connection's
 * peer cannot change while it is open: TLS 1.3, the only version the mesh speaks, has no
 * renegotiation. Thread-safe; a closed connection's entry goes with the connection.
 */
final class Callers {
  private final Map<HttpConnection, Optional<SpiffeId>> known =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** The caller's identity; null for a plaintext connection or a certificate that names none. */
  SpiffeId of(HttpConnection conn) {
    if (!conn.isSsl()) {
      return null;
    }
    Optional<SpiffeId> id = known.get(conn);
    if (id == null) {
      id = Optional.ofNullable(read(conn));
      known.put(conn, id);
    }
    return id.orElse(null);
  }

  private static SpiffeId read(HttpConnection conn) {
    try {
      List<Certificate> certs = conn.peerCertificates();
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
