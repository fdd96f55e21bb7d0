package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.MeshTlsEngine;
import dev.skiff.meshproxy.MeshUpstreamTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.security.cert.Certificate;
import java.util.List;

/**
 * The outbound client of one workload identity: mTLS with that identity's key and chain (renewals
 * swapped into the live client), HTTP/2 by ALPN like the other mesh hops, connections pooled per
 * callee. The callee's identity is checked on the connection before anything is sent.
 */
public final class CallerClient {
  private volatile HttpClientAgent client;
  private final MeshUpstreamTls tls;
  private final Runnable stopUpdates;

  public CallerClient(Vertx vertx, IdentityProvider identity, MeshTlsEngine engine) {
    this.tls = MeshUpstreamTls.of(identity, java.time.Clock.systemUTC(), engine);
    HttpClientOptions options =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setHttp2ClearTextUpgrade(false)
            .setKeepAlive(true)
            .setDecompressionSupported(false)
            .setTcpNoDelay(true)
            .setVerifyHost(false);
    if (tls.preferOpenSsl()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    // Registered before the options are read: a renewal in between is read, never missed.
    this.stopUpdates = tls.onChange(this::update);
    this.client =
        vertx
            .httpClientBuilder()
            .with(options)
            .with(new PoolOptions().setHttp1MaxSize(32).setHttp2MaxSize(2))
            .with(noHostnameCheck(tls.sslOptions()))
            .build();
  }

  private io.vertx.core.Future<?> update(ClientSSLOptions options) {
    HttpClientAgent c = client;
    return c == null
        ? io.vertx.core.Future.succeededFuture()
        : c.updateSSLOptions(noHostnameCheck(options), true);
  }

  public HttpClientAgent http() {
    return client;
  }

  /** The identity the connection's peer certificate names, or null. */
  public String peerIdentity(HttpConnection connection) {
    try {
      List<Certificate> chain = connection.peerCertificates();
      return tls.identityOf(chain);
    } catch (javax.net.ssl.SSLPeerUnverifiedException | RuntimeException e) {
      return null;
    }
  }

  public void close() {
    stopUpdates.run();
    client.close();
  }

  /** The identity check replaces host name verification (certificates name identities). */
  private static ClientSSLOptions noHostnameCheck(ClientSSLOptions options) {
    return options.copy().setHostnameVerificationAlgorithm("");
  }
}
