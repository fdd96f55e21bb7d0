package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.gateway.spi.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own kept-alive connections to plaintext instances: reused request after request,
 * never after a response that closes its connection, and beyond the per-endpoint limit requests go
 * through the client's pool instead of waiting.
 */
class GatewayUpstreamConnectionsTest extends GatewayTestBase {
  private HttpServer backend;
  private final AtomicInteger connections = new AtomicInteger();

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withServerInstances(1).withMaxConnectionsPerEndpoint(1);
  }

  @AfterEach
  void stopBackend() {
    if (backend != null) {
      await(backend.close());
    }
  }

  /** Deploys service {@code svc} on a backend that counts its connections. */
  private void deploy(Consumer<HttpServerRequest> handler) {
    backend =
        await(
            vertx
                .createHttpServer()
                .connectionHandler(c -> connections.incrementAndGet())
                .requestHandler(handler::accept)
                .listen(0, "127.0.0.1"));
    endpoints.publish(NS, "svc-00001", new Endpoint("127.0.0.1", backend.actualPort()));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "svc", Services.to("svc-00001", 100))));
  }

  @Test
  void successiveRequestsReuseOneUpstreamConnection() {
    deploy(req -> req.response().end("hi"));

    for (int i = 0; i < 5; i++) {
      Response r = get(host("svc"), "/" + i);
      assertEquals(200, r.status());
      assertEquals("hi", r.body().toString());
    }

    assertEquals(1, connections.get());
  }

  @Test
  void aResponseThatClosesItsConnectionIsNotReusedAndTheNextRequestSucceeds() {
    deploy(req -> req.response().putHeader("connection", "close").end("bye"));

    for (int i = 0; i < 5; i++) {
      Response r = get(host("svc"), "/" + i);
      assertEquals(200, r.status(), "request " + i);
      assertEquals("bye", r.body().toString());
    }

    assertEquals(5, connections.get());
  }

  @Test
  void requestsBeyondTheOwnConnectionsGoThroughTheClientPoolWithoutWaiting() {
    // Each request is held until both have arrived: the second must not wait for the first's
    // connection (the gateway holds one of its own per endpoint here).
    Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    deploy(
        req -> {
          held.add(req);
          if (held.size() == 2) {
            held.forEach(r -> r.response().end("both"));
          }
        });

    List<Future<Response>> both =
        List.of(get(http1, host("svc"), "/a"), get(http1, host("svc"), "/b"));

    for (Future<Response> f : both) {
      Response r = await(f);
      assertEquals(200, r.status());
      assertEquals("both", r.body().toString());
    }
  }
}
