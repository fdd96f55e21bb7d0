package dev.skiff.meshproxy;

import dev.skiff.meshproxy.internal.Listener;
import dev.skiff.meshproxy.internal.LiveOptions;
import dev.skiff.meshproxy.internal.MeshTls;
import dev.skiff.meshproxy.internal.Refusal;
import dev.skiff.proxy.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ServerSSLOptions;
import java.security.cert.Certificate;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A platform component's listener side of the mesh (http-proxy's {@link ListenerTls}), the checks
 * of the sidecar's STRICT listener: TLS 1.3 only, a client certificate required, chaining to the
 * trust bundle, valid now and naming exactly one Skiff identity of the trust domain; anything else
 * is refused at the handshake. Which identities may call is the component's decision, made on
 * {@code ProxyExchange.peerIdentity()}. Refused callers are reported by reason, as the sidecar's
 * are (see {@link ComponentIdentity}'s metrics).
 */
public final class MeshListenerTls implements ListenerTls {
  private final LiveOptions<ServerSSLOptions> options;
  private final Consumer<Refusal> refused;
  private final MeshTlsEngine engine;

  private MeshListenerTls(
      IdentityProvider identity, Clock clock, MeshTlsEngine engine, Consumer<Refusal> refused) {
    String td = identity.id().trustDomain();
    this.engine = engine.effective();
    this.refused = refused;
    this.options =
        new LiveOptions<>(
            identity, c -> MeshTls.server(c, ClientAuth.REQUIRED, td, clock, refused));
  }

  /** A listener as {@code identity}, certificates checked against the system clock. */
  public static MeshListenerTls of(IdentityProvider identity) {
    return of(identity, Clock.systemUTC());
  }

  /** A listener as {@code identity}, certificates checked against {@code clock}. */
  public static MeshListenerTls of(IdentityProvider identity, Clock clock) {
    return new MeshListenerTls(identity, clock, MeshTlsEngine.preferred(), refusal -> {});
  }

  /**
   * As {@link #of(IdentityProvider, Clock)} on {@code engine}, reporting each refused caller to
   * {@code refused}.
   */
  static MeshListenerTls of(
      IdentityProvider identity, Clock clock, MeshTlsEngine engine, Consumer<Refusal> refused) {
    return new MeshListenerTls(identity, clock, engine, refused);
  }

  /** What terminates this listener's TLS. */
  public MeshTlsEngine engine() {
    return engine;
  }

  @Override
  public boolean preferOpenSsl() {
    return engine.openSsl();
  }

  /** The options now; fails when the identity has no certificate yet (start it first). */
  @Override
  public ServerSSLOptions sslOptions() {
    return options.current();
  }

  @Override
  public Runnable onChange(Function<ServerSSLOptions, Future<?>> listener) {
    return options.onChange(listener);
  }

  @Override
  public String identityOf(List<Certificate> peerChain) {
    return LiveOptions.identityOf(peerChain);
  }

  /** Reports the refusal a failed connection stands for (the verifier reported its own). */
  @Override
  public void connectionFailed(Throwable failure) {
    Refusal r = Listener.classify(failure);
    if (r != null) {
      refused.accept(r);
    }
  }
}
