package dev.skiff.gateway.internal;

import dev.skiff.gateway.TlsCertificates;
import dev.skiff.proxy.ListenerTls;
import io.vertx.core.Future;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.ServerSSLOptions;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The gateway's public HTTPS listener: TLS 1.2 and 1.3, no client certificates, the certificate
 * chosen per handshake by SNI from {@link TlsCertificates}. The key manager reads the certificates
 * live, so the options never change and a renewal never touches the listener.
 */
final class GatewayListenerTls implements ListenerTls {
  private final ServerSSLOptions options;

  GatewayListenerTls(TlsCertificates certificates) {
    this.options =
        new ServerSSLOptions()
            .setKeyCertOptions(new SniKeyCertOptions(new SniKeyManager(certificates)))
            .setEnabledSecureTransportProtocols(Set.of("TLSv1.2", "TLSv1.3"))
            .setClientAuth(ClientAuth.NONE);
  }

  @Override
  public ServerSSLOptions sslOptions() {
    return options;
  }

  @Override
  public Runnable onChange(Function<ServerSSLOptions, Future<?>> listener) {
    return () -> {};
  }

  @Override
  public ClientAuth clientAuth() {
    return ClientAuth.NONE;
  }

  /** Public clients on kept-alive connections: OpenSSL's cost per request, where it loads. */
  @Override
  public boolean preferOpenSsl() {
    return true;
  }

  @Override
  public String identityOf(List<Certificate> peerChain) {
    return null;
  }
}
