package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.gateway.spi.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gateway/activator switch: which requests go to the activator, what it is told, and that
 * flipping the switch under load never fails a request. The activator here is a small real HTTP
 * server that answers for itself.
 */
class GatewayActivatorTest extends GatewayTestBase {
  private final AtomicBoolean viaActivator = new AtomicBoolean();
  private final Map<String, AtomicInteger> routingAsked = new ConcurrentHashMap<>();
  private Backend activator;

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    activator =
        Backend.start(
            vertx,
            "activator",
            req ->
                vertx.setTimer(
                    1, id -> req.response().putHeader("x-via", "activator").end("activator")));
    backends.add(activator);
    ActivatorRouting routing =
        (ns, revision) -> {
          routingAsked
              .computeIfAbsent(ns + "/" + revision, k -> new AtomicInteger())
              .incrementAndGet();
          return viaActivator.get();
        };
    return builder.withActivator(activator.endpoint(), routing);
  }

  @Test
  void requestGoesToTheActivatorWithItsRevisionAndTimeoutWhenTheRoutingSaysSo() {
    Backend direct = echoBackend("burst-00001");
    endpoints.publish(NS, "burst-00001", direct.endpoint());
    gateway.onResourceEvent(put(service(NS, "burst", 7, to("burst-00001", 100))));
    viaActivator.set(true);
    RequestOptions o = at(host("burst"), HttpMethod.GET, "/hello?x=1");
    o.putHeader("Skiff-Revision-Name", "someone-elses-00001"); // a client must not steer it

    Response r = await(exchange(http1, o, null));

    assertEquals(200, r.status());
    assertEquals("activator", r.body().toString());
    assertEquals("burst-00001", r.header("x-skiff-revision"));
    assertTrue(direct.seen.isEmpty(), "nothing went direct");
    Backend.Seen seen = activator.last();
    assertEquals("/hello?x=1", seen.uri());
    assertEquals("default", seen.headers().get("Skiff-Revision-Namespace"));
    assertEquals(List.of("burst-00001"), seen.headers().getAll("Skiff-Revision-Name"));
    assertEquals("7000", seen.headers().get("Skiff-Request-Timeout-Ms"));
    assertEquals(host("burst") + ":" + gateway.actualPort(), seen.headers().get("host"));
    assertNotNull(seen.headers().get("x-forwarded-for"));
    assertEquals("http", seen.headers().get("x-forwarded-proto"));
    assertNotNull(seen.headers().get("traceparent"));
    assertNotNull(seen.headers().get("x-request-id"));
  }

  @Test
  void revisionWithoutReadyEndpointGoesToTheActivatorAtOnceWhateverTheRouting() {
    gateway.onResourceEvent(put(service(NS, "cold", to("cold-00001", 100))));
    viaActivator.set(false);

    Response r = get(host("cold"), "/");

    assertEquals(200, r.status());
    assertEquals("activator", r.body().toString());
    assertEquals("cold-00001", activator.last().headers().get("Skiff-Revision-Name"));
    assertEquals(0, endpoints.waiters(NS, "cold-00001"), "the gateway itself never waits");
    assertEquals(
        1.0,
        registry.get("skiff.gateway.activator.handoffs").tag("path", "network").counter().count(),
        "no in-process activator: over the network");
  }

  @Test
  void requestWhoseInstanceRefusesTheConnectionGoesToTheActivatorInsteadOfFailing() {
    HttpServer closed = vertx.createHttpServer().requestHandler(req -> req.response().end());
    int deadPort = await(closed.listen(0, "127.0.0.1")).actualPort();
    await(closed.close());
    endpoints.publish(NS, "gone-00001", new Endpoint("127.0.0.1", deadPort));
    gateway.onResourceEvent(put(service(NS, "gone", 9, to("gone-00001", 100))));
    viaActivator.set(false);

    Response r = get(host("gone"), "/after-a-scale-event");

    assertEquals(200, r.status(), "nothing was sent to the instance: the activator takes it");
    assertEquals("activator", r.body().toString());
    Backend.Seen seen = activator.last();
    assertEquals("/after-a-scale-event", seen.uri());
    assertEquals(List.of("gone-00001"), seen.headers().getAll("Skiff-Revision-Name"));
    assertEquals("9000", seen.headers().get("Skiff-Request-Timeout-Ms"));
    assertEquals(1, seen.headers().getAll("x-request-id").size());
    assertEquals(
        1.0,
        registry.get("skiff.gateway.activator.fallbacks").counter().count(),
        "counted as a fallback");
  }

  @Test
  void requestAnInstanceReceivedIsNeverSentToTheActivatorAfterwards() {
    Backend breaking = Backend.start(vertx, "breaks-00001", req -> req.connection().close());
    backends.add(breaking);
    endpoints.publish(NS, "breaks-00001", breaking.endpoint());
    gateway.onResourceEvent(put(service(NS, "breaks", to("breaks-00001", 100))));
    viaActivator.set(false);

    Response r = get(host("breaks"), "/once");

    assertEquals(502, r.status());
    assertEquals(1, breaking.seen.size());
    assertTrue(activator.seen.isEmpty(), "a request that reached an instance is not re-sent");
  }

  @Test
  void requestGoesStraightToAnInstanceWhenCapacitySuffices() {
    Backend direct = echoBackend("warm-00001");
    endpoints.publish(NS, "warm-00001", direct.endpoint());
    gateway.onResourceEvent(put(service(NS, "warm", to("warm-00001", 100))));

    Response r = get(host("warm"), "/");

    assertEquals(200, r.status());
    assertEquals("warm-00001", r.body().toString());
    assertTrue(activator.seen.isEmpty());
    assertEquals(null, direct.last().headers().get("Skiff-Revision-Name"));
    assertEquals(1, routingAsked.get("default/warm-00001").get(), "asked once per request");
  }

  @Test
  void activatorAnswersReachTheClientAsTheActivatorSentThem() {
    Backend overloaded =
        Backend.start(
            vertx,
            "activator-503",
            req ->
                req.response()
                    .setStatusCode(503)
                    .putHeader("retry-after", "2")
                    .putHeader("content-type", "application/json")
                    .end("{\"error\":\"queue full\"}"));
    backends.add(overloaded);
    Gateway g =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(endpoints)
            .withServerInstances(1)
            .withActivator(overloaded.endpoint(), ActivatorRouting.always())
            .build();
    await(g.start("127.0.0.1", 0));
    try {
      g.onResourceEvent(put(service(NS, "full", to("full-00001", 100))));
      RequestOptions o =
          at(host("full"), HttpMethod.GET, "/")
              .setServer(
                  io.vertx.core.net.SocketAddress.inetSocketAddress(g.actualPort(), "127.0.0.1"))
              .setPort(g.actualPort());

      Response r = await(exchange(http1, o, null));

      assertEquals(503, r.status());
      assertEquals("2", r.header("retry-after"));
      assertEquals("queue full", r.body().toJsonObject().getString("error"));
    } finally {
      await(g.close());
    }
  }

  @Test
  void flippingTheRoutingBackAndForthUnderLoadFailsNoRequest() {
    Backend direct =
        Backend.start(
            vertx, "flip-00001", req -> vertx.setTimer(1, id -> req.response().end("direct")));
    backends.add(direct);
    endpoints.publish(NS, "flip-00001", direct.endpoint());
    gateway.onResourceEvent(put(service(NS, "flip", to("flip-00001", 100))));

    int total = 1000;
    int workers = 32;
    AtomicInteger issued = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger viaActivatorAnswers = new AtomicInteger();
    AtomicInteger directAnswers = new AtomicInteger();
    List<Future<Void>> all = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      HttpClient own = client(new HttpClientOptions()); // one client, one connection, per worker
      Promise<Void> finished = Promise.promise();
      all.add(finished.future());
      runWorker(
          own, total, issued, answered, failures, viaActivatorAnswers, directAnswers, finished);
    }
    await(Future.all(all));

    assertEquals(List.of(), failures);
    assertEquals(total, answered.get());
    assertEquals(total, viaActivatorAnswers.get() + directAnswers.get());
    assertEquals(
        viaActivatorAnswers.get(), activator.seen.size(), "one activator visit per answer");
    assertEquals(directAnswers.get(), direct.seen.size(), "one instance visit per answer");
    assertTrue(
        viaActivatorAnswers.get() > 50 && directAnswers.get() > 50,
        "both paths carried load: "
            + viaActivatorAnswers
            + " via the activator, "
            + directAnswers
            + " direct");
  }

  /** Sends requests one after another until {@code total} are issued; flips every 10 answers. */
  private void runWorker(
      HttpClient client,
      int total,
      AtomicInteger issued,
      AtomicInteger answered,
      List<String> failures,
      AtomicInteger viaActivatorAnswers,
      AtomicInteger directAnswers,
      Promise<Void> finished) {
    int i = issued.getAndIncrement();
    if (i >= total) {
      finished.complete();
      return;
    }
    get(client, host("flip"), "/" + i)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                failures.add("/" + i + ": " + ar.cause());
              } else if (ar.result().status() != 200) {
                failures.add("/" + i + ": " + ar.result().status() + " " + ar.result().body());
              } else if (ar.result().body().toString().equals("activator")) {
                viaActivatorAnswers.incrementAndGet();
              } else {
                directAnswers.incrementAndGet();
              }
              if (answered.incrementAndGet() % 10 == 0) {
                viaActivator.set(!viaActivator.get());
              }
              runWorker(
                  client,
                  total,
                  issued,
                  answered,
                  failures,
                  viaActivatorAnswers,
                  directAnswers,
                  finished);
            });
  }
}
