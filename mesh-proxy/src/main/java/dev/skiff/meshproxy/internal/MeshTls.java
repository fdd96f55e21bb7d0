package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.Credentials;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.time.Clock;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The SSL options of every mesh hop, from one identity's {@link Credentials}: TLS 1.3 only, the
 * identity's key and whole chain presented, peers checked by a {@link PeerVerifier} over the trust
 * bundle. The sidecar's listener, component listeners and component clients all take them from
 * here.
 */
public final class MeshTls {
  /** The only protocol version any mesh hop speaks. */
  public static final Set<String> TLS_VERSIONS = Set.of("TLSv1.3");

  private MeshTls() {}

  /** A listener's options; {@code refused} hears each client refused at the handshake. */
  public static ServerSSLOptions server(
      Credentials c, ClientAuth auth, String trustDomain, Clock clock, Consumer<Refusal> refused) {
    return new ServerSSLOptions()
        .setKeyCertOptions(keyCert(c))
        .setTrustOptions(trust(c, trustDomain, clock, refused))
        .setClientAuth(auth)
        .setEnabledSecureTransportProtocols(TLS_VERSIONS)
        .setUseAlpn(true);
  }

  /**
   * A client's options; host names are not verified (mesh certificates name identities, which the
   * caller checks against the endpoint's once connected).
   */
  public static ClientSSLOptions client(
      Credentials c, String trustDomain, Clock clock, Consumer<Refusal> refused) {
    return new ClientSSLOptions()
        .setKeyCertOptions(keyCert(c))
        .setTrustOptions(trust(c, trustDomain, clock, refused))
        .setHostnameVerificationAlgorithm("")
        .setEnabledSecureTransportProtocols(TLS_VERSIONS);
  }

  /**
   * The key as it is, not as PEM: Vert.x would rebuild a password-protected key store from PEM for
   * every listener and client (about 20 ms each), which a sidecar's start cannot afford.
   */
  private static KeyCertOptions keyCert(Credentials c) {
    return KeyCertOptions.wrap(FixedKeyManager.factory(c));
  }

  private static TrustOptions trust(
      Credentials c, String trustDomain, Clock clock, Consumer<Refusal> refused) {
    return TrustOptions.wrap(
        new VerifierFactory(new PeerVerifier(c.roots(), trustDomain, clock, refused)));
  }
}
