package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Requests for a revision at zero: held, poke once, forwarded when an endpoint appears. */
class ColdStartTest extends ActivatorTestBase {

  @Test
  void requestAtZeroWaitsPokesOnceAndCompletesWhenAnEndpointAppears() {
    List<Future<Response>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiting.add(get("cold-00001", "/" + i));
    }
    eventually("three requests are queued", () -> queued("cold-00001") == 3);
    // The poke leaves after the queue's lock is released, so it may land just after the count.
    eventually("the cold period is poked", () -> !pokes.isEmpty());
    assertEquals(List.of("default/cold-00001"), List.copyOf(pokes), "one poke for the cold period");
    assertFalse(waiting.stream().anyMatch(Future::isComplete), "nothing answered while at zero");

    Backend late = backend("cold-00001");
    endpoints.publish(NS, "cold-00001", 0, late.endpoint());

    for (Future<Response> f : waiting) {
      Response r = await(f);
      assertEquals(200, r.status());
      assertEquals("cold-00001", r.body().toString());
    }
    assertEquals(1, pokes.size(), "still one poke");
    assertEquals(0, queued("cold-00001"));
    eventuallyCounted("cold-00001", "forwarded", 3);
  }

  @Test
  void fiveHundredConcurrentRequestsAtZeroAreAllAnsweredAndEachReachesTheBackendOnce() {
    int n = 500;
    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(get("burst-00001", "/r" + i));
    }
    eventually("all requests are queued", () -> queued("burst-00001") == n);

    Backend b = backend("burst-00001");
    endpoints.publish(NS, "burst-00001", 0, b.endpoint());

    List<Response> answers = await(Future.all(all)).list();
    assertTrue(answers.stream().allMatch(r -> r.status() == 200), "every request got 200");
    Map<String, Long> byUri =
        b.seen.stream().collect(Collectors.groupingBy(Backend.Seen::uri, Collectors.counting()));
    assertEquals(n, byUri.size(), "every request reached the backend");
    assertTrue(byUri.values().stream().allMatch(c -> c == 1), "no request reached it twice");
    assertEquals(1, pokes.size());
  }

  @Test
  void queuedRequestBodyIsHeldThenStreamedOnceAnEndpointAppears() {
    Buffer body = Buffer.buffer("x".repeat(200_000));
    Future<Response> upload = exchange(http, to("upload-00001", HttpMethod.POST, "/up"), body);
    eventually("the upload is queued", () -> queued("upload-00001") == 1);

    Backend echo = backend("upload-00001");
    endpoints.publish(NS, "upload-00001", 0, echo.endpoint());

    Response r = await(upload);
    assertEquals(200, r.status());
    assertEquals(body.length(), r.body().length());
    assertEquals(body, r.body());
  }

  @Test
  void revisionThatLosesItsEndpointsPokesAgainInItsNextColdPeriod() {
    Backend b = backend("flap-00001");
    endpoints.publish(NS, "flap-00001", 0, b.endpoint());
    assertEquals(200, await(get("flap-00001", "/warm")).status());
    assertTrue(pokes.isEmpty(), "a warm revision is not poked");

    endpoints.publish(NS, "flap-00001", 0);
    Future<Response> first = get("flap-00001", "/cold-1");
    Future<Response> second = get("flap-00001", "/cold-2");
    eventually("both are queued", () -> queued("flap-00001") == 2);
    eventually("the cold period is poked", () -> !pokes.isEmpty());
    assertEquals(1, pokes.size());

    endpoints.publish(NS, "flap-00001", 0, b.endpoint());
    assertEquals(200, await(first).status());
    assertEquals(200, await(second).status());

    endpoints.publish(NS, "flap-00001", 0);
    Future<Response> third = get("flap-00001", "/cold-3");
    eventually("a new cold period pokes again", () -> pokes.size() == 2);
    endpoints.publish(NS, "flap-00001", 0, b.endpoint());
    assertEquals(200, await(third).status());
    assertEquals(
        Map.of("/warm", 1L, "/cold-1", 1L, "/cold-2", 1L, "/cold-3", 1L),
        b.seen.stream().collect(Collectors.groupingBy(Backend.Seen::uri, Collectors.counting())));
  }

  @Test
  void aRevisionIsWatchedOnceNotPerRequest() {
    Backend b = backend("once-00001");
    endpoints.publish(NS, "once-00001", 0, b.endpoint());
    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(get("once-00001", "/" + i));
    }
    await(Future.all(all));
    assertEquals(1, endpoints.listeners(NS, "once-00001"));
    assertEquals(
        20, all.stream().map(Future::result).map(Response::status).filter(s -> s == 200).count());
  }
}
