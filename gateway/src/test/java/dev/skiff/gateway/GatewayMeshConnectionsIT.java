package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own mTLS connections to a sidecar at their limit (one per endpoint and event loop
 * here): a request beyond it goes through the client's pool instead of waiting for the kept one.
 */
class GatewayMeshConnectionsIT extends GatewayMeshTestBase {
  private HttpServer sidecar;

  @BeforeAll
  static void gatewayIdentity() {
    startIdentity(UnaryOperator.identity());
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder
        .withUpstreamTls(identity.upstreamTls())
        .withServerInstances(1)
        .withMaxConnectionsPerEndpoint(1);
  }

  @AfterEach
  void stopSidecar() {
    if (sidecar != null) {
      await(sidecar.close());
    }
  }

  @Test
  void aRequestBeyondTheOwnMtlsConnectionsGoesThroughThePoolWithoutWaiting() throws Exception {
    // Each request is held until both have arrived: the second must not wait for the first's
    // connection, the only one the gateway keeps of its own here.
    Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    Path id = ca.writeIdentity(dir, CART);
    sidecar =
        await(
            vertx
                .createHttpServer(
                    TestCa.serverOptions(new HttpServerOptions().setUseAlpn(true), id))
                .requestHandler(
                    req -> {
                      held.add(req);
                      if (held.size() == 2) {
                        held.forEach(r -> r.response().end("both"));
                      }
                    })
                .listen(0, "127.0.0.1"));
    endpoints.publish(
        NS,
        "cart-00001",
        new dev.skiff.gateway.spi.Endpoint("127.0.0.1", sidecar.actualPort(), CART.uri()));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "cart", Services.to("cart-00001", 100))));

    List<Future<Response>> both =
        List.of(get(http1, host("cart"), "/a"), get(http1, host("cart"), "/b"));

    for (Future<Response> f : both) {
      Response r = await(f);
      assertEquals(200, r.status(), r.body().toString());
      assertEquals("both", r.body().toString());
    }
  }
}
