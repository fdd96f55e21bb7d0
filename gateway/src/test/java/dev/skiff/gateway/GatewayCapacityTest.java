package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Waiting for capacity, and what clients get when instances are missing, down or slow. */
class GatewayCapacityTest extends GatewayTestBase {
  private static final Duration COLD_START = Duration.ofMillis(400);

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withColdStartTimeout(COLD_START).withRetryAfter(Duration.ofSeconds(3));
  }

  @Test
  void requestWaitsForAnEndpointAndSucceedsWhenOneAppears() {
    // This class's gateway gives up after 400 ms; this one waits as long as the default cold start.
    Gateway patient =
        Gateway.builder().withVertx(vertx).withEndpoints(endpoints).withServerInstances(1).build();
    await(patient.start("127.0.0.1", 0));
    try {
      patient.onResourceEvent(put(service(NS, "cold", to("cold-00001", 100))));
      Future<Response> waiting =
          exchange(
              http1,
              at(host("cold"), HttpMethod.GET, "/")
                  .setServer(SocketAddress.inetSocketAddress(patient.actualPort(), "127.0.0.1"))
                  .setPort(patient.actualPort()),
              null);
      eventually(
          Duration.ofSeconds(30),
          "the gateway waits on the endpoint source",
          () -> endpoints.waiters(NS, "cold-00001") == 1);

      Backend late = echoBackend("cold-00001");
      endpoints.publish(NS, "cold-00001", late.endpoint());

      Response r = await(waiting);
      assertEquals(200, r.status());
      assertEquals("cold-00001", r.body().toString());
    } finally {
      await(patient.close());
    }
  }

  @Test
  void neverReadyRevisionGets503WithRetryAfterOnceTheColdStartTimeoutPasses() {
    gateway.onResourceEvent(put(service(NS, "stuck", to("stuck-00001", 100))));
    long start = System.nanoTime();

    Response r = get(host("stuck"), "/");

    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, r.status());
    assertEquals("3", r.header("retry-after"));
    assertEquals("stuck-00001", r.header("x-skiff-revision"));
    JsonObject body = r.body().toJsonObject();
    assertTrue(body.getString("error").contains("stuck-00001"), body.encode());
    assertTrue(body.containsKey("hint"));
    assertTrue(
        waitedMillis >= COLD_START.toMillis() - 50, "answered after " + waitedMillis + " ms");
  }

  @Test
  void unreachableBackendGets502WithJsonBodyThatNamesTheRevisionButNotTheAddress() {
    HttpServer closed = vertx.createHttpServer().requestHandler(req -> req.response().end());
    int deadPort = await(closed.listen(0, "127.0.0.1")).actualPort();
    await(closed.close());
    endpoints.publish(NS, "down-00001", new Endpoint("127.0.0.1", deadPort));
    gateway.onResourceEvent(put(service(NS, "down", to("down-00001", 100))));

    Response r = get(host("down"), "/");

    assertEquals(502, r.status());
    assertEquals("application/json", r.header("content-type"));
    JsonObject body = r.body().toJsonObject();
    assertTrue(body.getString("error").contains("down-00001"), body.encode());
    assertFalse(body.encode().contains("127.0.0.1"), body.encode());
    assertFalse(body.encode().contains(Integer.toString(deadPort)), body.encode());
  }

  @Test
  void endpointNamingAnIdentityGets502WhenTheGatewayHasNoTls() {
    Backend b = echoBackend("tls-00001");
    String id = "spiffe://skiff.local/ns/default/svc/tls";
    endpoints.publish(NS, "tls-00001", new Endpoint("127.0.0.1", b.endpoint().port(), id));
    gateway.onResourceEvent(put(service(NS, "tls", to("tls-00001", 100))));

    Response r = get(host("tls"), "/");

    assertEquals(502, r.status());
    JsonObject body = r.body().toJsonObject();
    assertTrue(body.getString("error").contains("expected identity " + id), body.encode());
    assertTrue(b.seen.isEmpty(), "never sent in plaintext to an endpoint that needs TLS");
  }

  @Test
  void backendSlowerThanTheServiceTimeoutGets504() {
    ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    Backend silent = Backend.start(vertx, "slow-00001", held::add);
    backends.add(silent);
    endpoints.publish(NS, "slow-00001", silent.endpoint());
    gateway.onResourceEvent(put(service(NS, "slow", 1, to("slow-00001", 100))));

    Response r = get(host("slow"), "/");

    assertEquals(504, r.status());
    assertTrue(r.body().toJsonObject().getString("error").contains("1000 ms"));
    eventually(
        Duration.ofSeconds(30),
        "the upstream request is abandoned",
        () -> held.stream().allMatch(req -> req.response().closed()));
  }

  @Test
  void twoHundredConcurrentRequestsAllSucceed() {
    int n = 200;
    List<HttpServerRequest> parked = new ArrayList<>();
    AtomicBoolean released = new AtomicBoolean();
    // Holds every request until all 200 are in flight at once, then answers them all.
    Backend barrier =
        Backend.start(
            vertx,
            "busy-00001",
            req -> {
              List<HttpServerRequest> toRelease = null;
              synchronized (parked) {
                parked.add(req);
                if (parked.size() == n && released.compareAndSet(false, true)) {
                  toRelease = new ArrayList<>(parked);
                }
              }
              if (toRelease != null) {
                toRelease.forEach(p -> p.response().end("ok"));
              }
            });
    backends.add(barrier);
    endpoints.publish(NS, "busy-00001", barrier.endpoint());
    gateway.onResourceEvent(put(service(NS, "busy", to("busy-00001", 100))));

    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(get(http1, host("busy"), "/" + i));
    }
    AtomicInteger ok = new AtomicInteger();
    await(Future.all(all))
        .<Response>list()
        .forEach(
            r -> {
              if (r.status() == 200) {
                ok.incrementAndGet();
              }
            });

    assertEquals(n, ok.get());
  }

  @Test
  void clientThatHangsUpIsCountedAs499AndItsUpstreamRequestIsAbandoned() {
    ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    Backend silent = Backend.start(vertx, "hangup-00001", held::add);
    backends.add(silent);
    endpoints.publish(NS, "hangup-00001", silent.endpoint());
    gateway.onResourceEvent(put(service(NS, "hangup", to("hangup-00001", 100))));
    var impatient = client(new io.vertx.core.http.HttpClientOptions());

    Future<Response> abandoned = get(impatient, host("hangup"), "/");
    eventually(Duration.ofSeconds(30), "the request reaches the backend", () -> !held.isEmpty());
    await(impatient.close());

    Boolean failed = await(abandoned.transform(ar -> Future.succeededFuture(ar.failed())));
    assertTrue(failed, "the client saw its own connection close");
    eventually(
        Duration.ofSeconds(30),
        "the upstream request is abandoned",
        () -> held.peek().response().closed());
    eventually(
        Duration.ofSeconds(30),
        "the hang-up is counted as 499",
        () ->
            registry
                    .find("skiff.gateway.requests")
                    .tags("service", "hangup", "code", "499")
                    .counter()
                != null);
    eventually(
        Duration.ofSeconds(30),
        "nothing is left in flight",
        () -> registry.get("skiff.gateway.requests.in.flight").gauge().value() == 0);
  }
}
