package dev.skiff.proxy;

import io.vertx.core.Future;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ServerSSLOptions;
import java.security.cert.Certificate;
import java.util.List;
import java.util.function.Function;

/**
 * The credentials and trust a {@link ProxyServer} listens with for TLS, mutual by default: every
 * client must present a certificate the trust manager accepts (unless {@link #clientAuth()} says
 * otherwise; a client without one, or speaking plaintext, is refused at the handshake and gets no
 * HTTP answer), and the identity its certificate names is handed to the pipeline ({@link
 * ProxyExchange#peerIdentity()}). New credentials apply to new handshakes, through Vert.x's {@code
 * HttpServer.updateSSLOptions}; open connections carry on.
 *
 * <p>Methods may be called on any thread, concurrently, and must not block.
 */
public interface ListenerTls {

  /**
   * The server's SSL options now: key and certificate chain, and the trust manager that checks
   * clients. Already the new options when change listeners are called.
   */
  ServerSSLOptions sslOptions();

  /**
   * Calls {@code listener} with the new options each time they change; the change counts as applied
   * once every listener's future completes.
   *
   * @return what unregisters the listener
   */
  Runnable onChange(Function<ServerSSLOptions, Future<?>> listener);

  /**
   * Whether clients must present a certificate; default {@link ClientAuth#REQUIRED} (mutual TLS). A
   * public listener (the gateway's HTTPS port) answers {@link ClientAuth#NONE}.
   */
  default ClientAuth clientAuth() {
    return ClientAuth.REQUIRED;
  }

  /**
   * The identity a client's certificate chain (leaf first) names; null when it names none, or more
   * than one.
   */
  String identityOf(List<Certificate> peerChain);

  /**
   * Whether the listener terminates TLS with OpenSSL (BoringSSL, through netty-tcnative) when the
   * process has it and it loads, instead of the JDK's SSLEngine; default false. OpenSSL costs far
   * less CPU per request on kept-alive connections. Where it does not load, the JDK's engine serves
   * the same handshakes.
   */
  default boolean preferOpenSsl() {
    return false;
  }

  /**
   * Hears each connection the listener could not set up: a failed handshake (no certificate, one
   * the trust manager refused), plaintext sent to the TLS port. Called on an event loop; by default
   * ignored.
   */
  default void connectionFailed(Throwable failure) {}
}
