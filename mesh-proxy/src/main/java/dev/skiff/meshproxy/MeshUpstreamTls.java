package dev.skiff.meshproxy;

import dev.skiff.meshproxy.internal.LiveOptions;
import dev.skiff.meshproxy.internal.MeshTls;
import dev.skiff.meshproxy.internal.PeerVerifier;
import dev.skiff.proxy.TlsFailure;
import dev.skiff.proxy.UpstreamTls;
import io.vertx.core.Future;
import io.vertx.core.net.ClientSSLOptions;
import java.security.cert.Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;

/**
 * A platform component's client side of the mesh (http-proxy's {@link UpstreamTls}): TLS 1.3 with
 * the component's own identity (its key and chain, kept fresh by its {@link IdentityProvider}),
 * servers checked against the trust bundle (one or two roots) and required to name exactly one
 * Skiff identity of the trust domain; which one an endpoint must name, the proxy checks. Renewals
 * and bundle refreshes reach live clients through {@link #onChange}.
 */
public final class MeshUpstreamTls implements UpstreamTls {
  private final LiveOptions<ClientSSLOptions> options;
  private final MeshTlsEngine engine;

  private MeshUpstreamTls(IdentityProvider identity, Clock clock, MeshTlsEngine engine) {
    String td = identity.id().trustDomain();
    this.engine = engine.effective();
    this.options = new LiveOptions<>(identity, c -> MeshTls.client(c, td, clock, refusal -> {}));
  }

  /** Client TLS as {@code identity}, certificates checked against the system clock. */
  public static MeshUpstreamTls of(IdentityProvider identity) {
    return of(identity, Clock.systemUTC());
  }

  /** Client TLS as {@code identity}, certificates checked against {@code clock}. */
  public static MeshUpstreamTls of(IdentityProvider identity, Clock clock) {
    return of(identity, clock, MeshTlsEngine.preferred());
  }

  /**
   * Client TLS as {@code identity} on {@code engine}, certificates checked against {@code clock}.
   */
  public static MeshUpstreamTls of(IdentityProvider identity, Clock clock, MeshTlsEngine engine) {
    return new MeshUpstreamTls(identity, clock, engine);
  }

  /** What speaks this client's TLS. */
  public MeshTlsEngine engine() {
    return engine;
  }

  @Override
  public boolean preferOpenSsl() {
    return engine.openSsl();
  }

  /** The options now; fails when the identity has no certificate yet (start it first). */
  @Override
  public ClientSSLOptions sslOptions() {
    return options.current();
  }

  @Override
  public Runnable onChange(Function<ClientSSLOptions, Future<?>> listener) {
    return options.onChange(listener);
  }

  @Override
  public String identityOf(List<Certificate> peerChain) {
    return LiveOptions.identityOf(peerChain);
  }

  /** The reason the server's chain was refused for, when this side refused it. */
  @Override
  public TlsFailure classify(Throwable handshakeFailure) {
    for (Throwable t = handshakeFailure; t != null; t = t.getCause()) {
      if (t instanceof PeerVerifier.RefusedPeerException r) {
        return switch (r.reason()) {
          case UNKNOWN_CA -> TlsFailure.UNKNOWN_CA;
          case EXPIRED -> TlsFailure.EXPIRED;
          case NO_IDENTITY -> TlsFailure.IDENTITY_MISMATCH;
          default -> TlsFailure.HANDSHAKE_FAILED;
        };
      }
    }
    return TlsFailure.HANDSHAKE_FAILED;
  }
}
