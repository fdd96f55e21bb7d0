package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.meshproxy.ComponentIdentity;
import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which HTTP the gateway speaks on its mTLS hops, against real TLS servers that offer both h2 and
 * http/1.1 by ALPN: HTTP/1.1 keep-alive to an instance (the warm path: the least work per request),
 * HTTP/2 to the activator (a cold-start burst shares a few connections).
 */
class GatewayMeshProtocolIT extends GatewayTestBase {
  private static final String TD = "skiff.local";
  private static final SpiffeId CART = SpiffeId.workload(TD, NS, "cart");
  private static final SpiffeId ACTIVATOR = SpiffeId.component(TD, "activator");

  @TempDir static Path dir;
  private static TestCa ca;
  private static ComponentIdentity identity;

  private final AtomicBoolean viaActivator = new AtomicBoolean();
  private final Queue<HttpVersion> atInstance = new ConcurrentLinkedQueue<>();
  private final Queue<HttpVersion> atActivator = new ConcurrentLinkedQueue<>();
  private HttpServer instance;
  private HttpServer activator;

  @BeforeAll
  static void gatewayIdentity() {
    ca = TestCa.create("mesh");
    identity =
        ComponentIdentity.builder()
            .withVertx(vertx)
            .withIdentity(SpiffeId.component(TD, "gateway"))
            .withIssuer(ca.issuer())
            .build();
    await(identity.start());
  }

  @AfterAll
  static void stopIdentity() {
    identity.stop();
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    try {
      instance = recording(ca.writeIdentity(dir, CART), atInstance);
      activator = recording(ca.writeIdentity(dir, ACTIVATOR), atActivator);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ActivatorRouting routing = (ns, revision) -> viaActivator.get();
    return builder
        .withUpstreamTls(identity.upstreamTls())
        .withActivator(new Endpoint("127.0.0.1", activator.actualPort(), ACTIVATOR.uri()), routing);
  }

  @AfterEach
  void stopServers() {
    await(instance.close());
    await(activator.close());
  }

  @Test
  void callsAnInstanceWithHttp11OverItsKeptAliveConnection() {
    route();

    for (int i = 0; i < 3; i++) {
      assertEquals(200, get(host("cart"), "/").status());
    }

    assertEquals(
        List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_1_1, HttpVersion.HTTP_1_1),
        List.copyOf(atInstance));
    assertEquals(List.of(), List.copyOf(atActivator));
  }

  @Test
  void callsTheActivatorWithHttp2() {
    route();
    viaActivator.set(true);

    assertEquals(200, get(host("cart"), "/").status());

    assertEquals(List.of(HttpVersion.HTTP_2), List.copyOf(atActivator));
    assertEquals(List.of(), List.copyOf(atInstance));
  }

  private void route() {
    endpoints.publish(
        NS, "cart-00001", new Endpoint("127.0.0.1", instance.actualPort(), CART.uri()));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "cart", Services.to("cart-00001", 100))));
  }

  /**
   * An mTLS server with the identity in {@code id}, offering h2 and http/1.1 by ALPN, that records
   * the HTTP version of each request and answers 200.
   */
  private static HttpServer recording(Path id, Queue<HttpVersion> versions) {
    return await(
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setSsl(true)
                    .setUseAlpn(true)
                    .setClientAuth(ClientAuth.REQUIRED)
                    .setKeyCertOptions(
                        new io.vertx.core.net.PemKeyCertOptions()
                            .setKeyPath(id.resolve("key.pem").toString())
                            .setCertPath(id.resolve("cert.pem").toString()))
                    .setTrustOptions(
                        new io.vertx.core.net.PemTrustOptions()
                            .addCertPath(id.resolve("ca.pem").toString())))
            .requestHandler(
                req -> {
                  versions.add(req.version());
                  req.response().end("ok");
                })
            .listen(0, "127.0.0.1"));
  }
}
