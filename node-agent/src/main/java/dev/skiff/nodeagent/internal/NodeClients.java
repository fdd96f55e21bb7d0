package dev.skiff.nodeagent.internal;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.client.GrpcClient;
import java.time.Duration;
import java.util.Set;

/**
 * The gRPC clients a node talks to its control plane with: HTTP/2 over TLS 1.3, trusting the roots
 * given; with the node's certificate and key for mTLS once it has them. Host names are not checked:
 * the server's SPIFFE ID is ({@link ControlPlaneTrust}).
 */
public final class NodeClients {
  private NodeClients() {}

  /**
   * @param chainPem the node's certificate chain, or null for the bootstrap (no client certificate)
   * @param keyPem its private key, with {@code chainPem}
   */
  public static GrpcClient create(
      Vertx vertx, String trustPem, String chainPem, String keyPem, Duration connectTimeout) {
    HttpClientOptions o =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setSsl(true)
            .setVerifyHost(false) // the SPIFFE ID is checked instead (ControlPlaneTrust)
            .setConnectTimeout((int) connectTimeout.toMillis())
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(trustPem)));
    o.setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
    if (chainPem != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions()
              .addCertValue(Buffer.buffer(chainPem))
              .addKeyValue(Buffer.buffer(keyPem)));
    }
    return GrpcClient.client(vertx, o);
  }
}
