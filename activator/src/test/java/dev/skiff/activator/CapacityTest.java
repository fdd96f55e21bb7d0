package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.Endpoint;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Capacity-aware forwarding while endpoints come, go, refuse or break. */
class CapacityTest extends ActivatorTestBase {

  @Test
  void containerConcurrencyOneNeverSendsAnEndpointMoreThanOneRequestAtATime() {
    Backend a = backend("a").delay(3);
    Backend b = backend("b").delay(3);
    endpoints.publish(NS, "cc1-00001", 1, a.endpoint(), b.endpoint());

    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(get("cc1-00001", "/" + i));
    }
    List<Response> answers = await(Future.all(all)).list();

    assertTrue(answers.stream().allMatch(r -> r.status() == 200));
    assertEquals(1, a.maxInFlight.get(), "endpoint a at most one at a time");
    assertEquals(1, b.maxInFlight.get(), "endpoint b at most one at a time");
    assertEquals(60, a.seen.size() + b.seen.size());
    assertTrue(a.seen.size() > 0 && b.seen.size() > 0, "both endpoints served");
  }

  @Test
  void queuedRequestsGoToTheRemainingEndpointWhenOneIsRemoved() {
    Backend a = backend("a").hold();
    Backend b = backend("b").hold();
    endpoints.publish(NS, "shrink-00001", 1, a.endpoint(), b.endpoint());
    List<Future<Response>> all = new ArrayList<>();
    all.add(get("shrink-00001", "/shrink/0"));
    all.add(get("shrink-00001", "/shrink/1"));
    eventually("each endpoint holds one", () -> a.heldCount() == 1 && b.heldCount() == 1);
    for (int i = 2; i < 8; i++) {
      all.add(get("shrink-00001", "/shrink/" + i));
    }
    eventually("six wait for a slot", () -> queued("shrink-00001") == 6);
    List<String> heldByA = uris(a, "/shrink/");

    endpoints.publish(NS, "shrink-00001", 1, b.endpoint());
    // The fake watch delivers the update before publish returns: a is out of the ready set now.
    b.release();
    eventually("b serves from the queue", () -> b.seen.size() >= 2);
    a.release(); // a's in-flight request finishes where it was sent

    List<Response> answers = await(Future.all(all)).list();
    assertTrue(answers.stream().allMatch(r -> r.status() == 200));
    String seen = "a saw " + uris(a, "") + ", b saw " + uris(b, "");
    assertEquals(1, heldByA.size(), seen);
    assertEquals(
        heldByA, uris(a, "/shrink/"), "a got only the request it had before it left; " + seen);
    assertEquals(7, uris(b, "/shrink/").size(), "the queued requests went to b; " + seen);
    assertEquals(1, b.maxInFlight.get());
  }

  private static List<String> uris(Backend backend, String prefix) {
    return backend.seen.stream().map(Backend.Seen::uri).filter(u -> u.startsWith(prefix)).toList();
  }

  @Test
  void requestRefusedByAListedEndpointGoesBackToTheQueueAndCompletesElsewhere() {
    HttpServer closed = vertx.createHttpServer().requestHandler(req -> req.response().end());
    int deadPort = await(closed.listen(0, "127.0.0.1")).actualPort();
    await(closed.close());
    Backend live = backend("live");
    endpoints.publish(NS, "refuse-00001", 0, new Endpoint("127.0.0.1", deadPort), live.endpoint());

    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      all.add(get("refuse-00001", "/" + i));
    }
    List<Response> answers = await(Future.all(all)).list();

    assertTrue(answers.stream().allMatch(r -> r.status() == 200));
    Map<String, Long> byUri =
        live.seen.stream().collect(Collectors.groupingBy(Backend.Seen::uri, Collectors.counting()));
    assertEquals(30, byUri.size());
    assertTrue(byUri.values().stream().allMatch(c -> c == 1));
  }

  @Test
  void requestAlreadySentIsNeverSentAgainEvenWhenTheInstanceBreaksTheExchange() {
    Backend breaking = backend("broken-00001").slam();
    Backend healthy = backend("healthy");
    endpoints.publish(NS, "broken-00001", 0, breaking.endpoint());

    Response r = await(get("broken-00001", "/once"));

    assertEquals(502, r.status());
    assertEquals(1, breaking.count("/once"));
    endpoints.publish(NS, "broken-00001", 0, healthy.endpoint());
    assertEquals(0, healthy.count("/once"), "not re-sent to a new endpoint either");
    eventuallyCounted("broken-00001", "upstream_failed", 1);
  }

  @Test
  void unlimitedConcurrencySpreadsRequestsOverEndpointsWithoutQueueing() {
    Backend a = backend("a").hold();
    Backend b = backend("b").hold();
    endpoints.publish(NS, "spread-00001", 0, a.endpoint(), b.endpoint());

    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(get("spread-00001", "/" + i));
    }
    eventually("all 40 reach the endpoints", () -> a.heldCount() + b.heldCount() == 40);
    assertEquals(0, queued("spread-00001"));
    // Two choices over two endpoints always takes the less busy one: the split stays near even.
    assertTrue(
        Math.abs(a.heldCount() - b.heldCount()) <= 4, "a=" + a.heldCount() + " b=" + b.heldCount());
    a.release();
    b.release();
    assertTrue(await(Future.all(all)).<Response>list().stream().allMatch(r -> r.status() == 200));
  }
}
