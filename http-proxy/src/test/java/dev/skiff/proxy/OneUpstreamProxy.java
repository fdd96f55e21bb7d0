package dev.skiff.proxy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpVersion;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * A proxy server for tests whose every request goes, through an {@link EndpointProxy} of each event
 * loop's upstream client, to one upstream on loopback; a failed call answers 502 with the message
 * of the exception the policy made.
 */
final class OneUpstreamProxy {
  private OneUpstreamProxy() {}

  /**
   * @param loops the proxy's event loops (server instances)
   * @param endpoints the proxy under test, around an event loop's upstream client
   * @param port the upstream's port, read at each request
   */
  static ProxyServer build(
      Vertx vertx,
      int loops,
      String name,
      Function<HttpClient, EndpointProxy> endpoints,
      IntSupplier port,
      UpstreamPolicy policy) {
    return ProxyServer.builder()
        .withSettings(ProxySettings.builder().withVertx(vertx).withServerInstances(loops).build())
        .withName(name)
        .withPipeline(
            client -> {
              EndpointProxy endpoint = endpoints.apply(client);
              return ProxyPipeline.of(
                  ProxyExchange::new, x -> serve(endpoint, x, port.getAsInt(), policy));
            })
        .build();
  }

  private static Future<Void> serve(
      EndpointProxy endpoint, ProxyExchange x, int port, UpstreamPolicy policy) {
    HopByHop.copy(x.request().headers(), x.upstreamHeaders(), Set.of("host"));
    return endpoint
        .proxy(x, "127.0.0.1", port, policy)
        .recover(
            err -> {
              // As ErrorResponder: an HTTP/2 request is resumed only once the answer is out
              // (Vert.x never sends an answer begun after such a resume).
              boolean h2 = x.request().version() == HttpVersion.HTTP_2;
              if (!h2) {
                x.request().resume();
              }
              return x.response()
                  .setStatusCode(502)
                  .end(err.getMessage())
                  .andThen(
                      ar -> {
                        if (h2) {
                          x.request().resume();
                        }
                      });
            });
  }
}
