package dev.skiff.ingress.internal;

import java.net.http.HttpClient;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/** acme4j's generic provider, its HTTPS client trusting the operator's CA file. */
final class TrustingAcmeProvider extends GenericAcmeProvider {
  private final SSLContext ssl;

  TrustingAcmeProvider(SSLContext ssl) {
    this.ssl = ssl;
  }

  @Override
  protected HttpConnector createHttpConnector(NetworkSettings settings) {
    return new HttpConnector(settings) {
      @Override
      public HttpClient.Builder createClientBuilder() {
        return super.createClientBuilder().sslContext(ssl);
      }
    };
  }
}
