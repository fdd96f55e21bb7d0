package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeCsr;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.controlplane.mesh.MeshCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The control plane's own certificate on the node port, {@code spiffe://{td}/skiff/control-plane},
 * issued by the in-process mesh CA from a key made here, and the server TLS built from it: TLS 1.3,
 * a client certificate asked for but not required (a node's first call, Bootstrap, has none yet;
 * every other call is refused without one), checked against the mesh's roots.
 */
public final class PortIdentity {
  private final Vertx vertx;
  private final MeshCa ca;
  private final Duration ttl;
  private final Clock clock;
  private volatile IssuedCertificate current;
  private volatile String keyPem;

  public PortIdentity(Vertx vertx, MeshCa ca, Duration ttl, Clock clock) {
    this.vertx = vertx;
    this.ca = ca;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Makes a new key and has the CA sign it; completes with the server TLS options to use. */
  public Future<ServerSSLOptions> issue() {
    SpiffeId id = SpiffeId.controlPlane(ca.trustDomain());
    return vertx
        .executeBlocking(
            () -> {
              try {
                KeyPair keys = SpiffeCsr.newKeyPair();
                return new KeyAndCsr(SpiffeCsr.privateKeyPem(keys), SpiffeCsr.request(id, keys));
              } catch (IllegalStateException e) {
                throw new ControlPlaneException(e.getMessage(), null, e);
              }
            },
            false)
        .compose(
            k ->
                ca.issue(k.csr(), id, ttl)
                    .map(
                        issued -> {
                          this.current = issued;
                          this.keyPem = k.keyPem();
                          return sslOptions();
                        }));
  }

  /** When to issue again: at 70 % of the current certificate's lifetime. */
  public Duration renewIn() {
    IssuedCertificate c = current;
    Instant now = clock.instant();
    long life = Duration.between(c.notBefore(), c.notAfter()).toMillis();
    Instant at = c.notBefore().plusMillis((long) (life * 0.7));
    Duration d = Duration.between(now, at);
    return d.isNegative() ? Duration.ofSeconds(1) : d;
  }

  /** The trust bundle nodes should check this port's certificate against (PEM roots). */
  public String trustBundle() {
    return ca.trustBundle();
  }

  /** The server TLS options for the current certificate. */
  public ServerSSLOptions sslOptions() {
    IssuedCertificate c = current;
    ServerSSLOptions o =
        new ServerSSLOptions()
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .addCertValue(Buffer.buffer(c.certificateChain()))
                    .addKeyValue(Buffer.buffer(keyPem)))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.trustBundle())))
            .setClientAuth(ClientAuth.REQUEST);
    o.setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.3"));
    o.setApplicationLayerProtocols(List.of("h2"));
    return o;
  }

  private record KeyAndCsr(String keyPem, String csr) {}
}
