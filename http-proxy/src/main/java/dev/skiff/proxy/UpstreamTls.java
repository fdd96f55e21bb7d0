package dev.skiff.proxy;

import io.vertx.core.Future;
import io.vertx.core.net.ClientSSLOptions;
import java.security.cert.Certificate;
import java.util.List;
import java.util.function.Function;

/**
 * The client credentials and trust a proxy speaks TLS to upstream endpoints with, for endpoints
 * that name an identity their certificate must carry (see {@link EndpointProxy#proxy(ProxyExchange,
 * String, int, String, UpstreamPolicy)}). The proxy turns host name verification off: the identity
 * check replaces it. Connections stay pooled and kept alive per endpoint; new credentials apply to
 * new connections (open ones carry on), through Vert.x's {@code HttpClientAgent.updateSSLOptions};
 * a proxy's own connections ({@link EndpointProxy#withOwnConnections}) made with credentials other
 * than {@link #sslOptions()}'s answer now (compared by identity) are closed instead of reused.
 *
 * <p>Methods may be called on any thread, concurrently, and must not block.
 */
public interface UpstreamTls {

  /**
   * The client's SSL options now: key and certificate chain to present, and the trust manager that
   * checks the endpoint's chain. Already the new options when change listeners are called.
   */
  ClientSSLOptions sslOptions();

  /**
   * Calls {@code listener} with the new options each time they change (a renewed certificate, a new
   * trust bundle); the change counts as applied once every listener's future completes.
   *
   * @return what unregisters the listener
   */
  Runnable onChange(Function<ClientSSLOptions, Future<?>> listener);

  /**
   * The identity a peer's certificate chain (leaf first) names, compared with an endpoint's
   * expected identity as a string; null when it names none, or more than one.
   */
  String identityOf(List<Certificate> peerChain);

  /**
   * Whether the client speaks TLS with OpenSSL (BoringSSL, through netty-tcnative) when the process
   * has it and it loads, instead of the JDK's SSLEngine; default false. OpenSSL costs far less CPU
   * per request on kept-alive connections. Where it does not load, the JDK's engine makes the same
   * handshakes.
   */
  default boolean preferOpenSsl() {
    return false;
  }

  /** Why a TLS handshake with an endpoint failed, from its exception; by default unknown. */
  default TlsFailure classify(Throwable handshakeFailure) {
    return TlsFailure.HANDSHAKE_FAILED;
  }
}
