package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.routing.RetryBudget;
import dev.skiff.testing.ManualClock;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A request an instance failed for want of a connection goes to another instance when it may be
 * sent twice: always when nothing was sent; after sending, only an idempotent request without a
 * body whose response had not started; and only within the retry budget.
 */
class GatewayRetryTest extends GatewayTestBase {
  private static final String REVISION = "hello-00001";

  /**
   * The revision's only instance, which takes a request, then (before it closes the connection
   * without an answer, or after {@code answerPart} began one) sees {@code good} published beside
   * it: so the first attempt goes to it for certain, and another instance is ready when the gateway
   * decides whether to send the request again.
   */
  private Backend dyingThenGood(Backend good, boolean answerPart) {
    Backend[] self = new Backend[1];
    self[0] =
        Backend.start(
            vertx,
            "dying",
            req -> {
              endpoints.publish(NS, REVISION, self[0].endpoint(), good.endpoint());
              if (answerPart) {
                req.response()
                    .setChunked(true)
                    .write("part of an answer")
                    .onComplete(v -> req.connection().close());
              } else {
                req.connection().close();
              }
            });
    backends.add(self[0]);
    route(self[0].endpoint());
    return self[0];
  }

  private void route(Endpoint... endpoints) {
    this.endpoints.publish(NS, REVISION, endpoints);
    gateway.onResourceEvent(put(service(NS, "hello", to(REVISION, 100))));
  }

  private double retries(String reason) {
    Counter c = registry.find("skiff.gateway.retries").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /** What one request got: a response, or the failure of the exchange. */
  private AsyncResult<Response> send(HttpMethod method, String uri, Buffer body) {
    Promise<Response> p = Promise.promise();
    exchange(http1, at(host("hello"), method, uri), body).onComplete(p);
    try {
      await(p.future());
    } catch (RuntimeException | AssertionError ignored) {
      // the failure is in the result
    }
    return p.future();
  }

  private static boolean received(Backend b, String uri) {
    return b.seen.stream().anyMatch(s -> s.uri().equals(uri));
  }

  @Test
  void aGetWhoseConnectionBrokeBeforeTheAnswerIsAnsweredByAnotherInstance() {
    Backend good = echoBackend(REVISION);
    Backend dying = dyingThenGood(good, false);

    AsyncResult<Response> r = send(HttpMethod.GET, "/once", null);

    assertTrue(received(dying, "/once"));
    assertTrue(r.succeeded(), String.valueOf(r.cause()));
    assertEquals(200, r.result().status());
    assertEquals(REVISION, r.result().body().toString(), "answered by the other instance");
    assertEquals(1.0, retries("no_response"));
  }

  @Test
  void aRequestNoInstanceCouldBeConnectedToGoesToAnotherWhateverItsMethod() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // nobody listens there once closed: connection refused
    }
    Backend good = echoBackend(REVISION);
    // The request starts with the refused instance alone; the other is ready by the retry.
    Endpoint refused = new Endpoint("127.0.0.1", closed);
    Gateway g =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(new FirstThen(List.of(refused), List.of(refused, good.endpoint())))
            .withMeterRegistry(registry)
            .withServerInstances(1)
            .build();
    await(g.start("127.0.0.1", 0));
    try {
      g.onResourceEvent(put(service(NS, "hello", to(REVISION, 100))));
      var o =
          new io.vertx.core.http.RequestOptions()
              .setServer(
                  io.vertx.core.net.SocketAddress.inetSocketAddress(g.actualPort(), "127.0.0.1"))
              .setHost(host("hello"))
              .setPort(g.actualPort())
              .setMethod(HttpMethod.POST)
              .setURI("/post");
      Response r = await(exchange(http1, o, Buffer.buffer("a body")));
      assertEquals(200, r.status());
      assertEquals("a body", r.body().toString());
      assertEquals(1.0, retries("connect"));
    } finally {
      await(g.close());
    }
  }

  @Test
  void aRetryGoesToAnotherMachineBeforeAnotherInstanceOnTheMachineThatFailed() throws Exception {
    // A machine gone (127.0.0.2 here: nothing listens on these ports) with many instances, and
    // one good instance elsewhere: a retry that tried the gone machine's other instances first
    // would spend its attempts (and, on a cut link, a dead-peer timeout each) on one dead machine.
    List<Endpoint> dead = new java.util.ArrayList<>();
    for (int i = 0; i < 9; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.2"))) {
        dead.add(new Endpoint("127.0.0.2", s.getLocalPort()));
      }
    }
    Backend good = echoBackend(REVISION);
    List<Endpoint> then = new java.util.ArrayList<>(dead);
    then.add(good.endpoint());
    Gateway g =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(new FirstThen(List.of(dead.get(0)), then))
            .withMeterRegistry(registry)
            .withServerInstances(1)
            .build();
    await(g.start("127.0.0.1", 0));
    try {
      g.onResourceEvent(put(service(NS, "hello", to(REVISION, 100))));
      var o =
          new io.vertx.core.http.RequestOptions()
              .setServer(
                  io.vertx.core.net.SocketAddress.inetSocketAddress(g.actualPort(), "127.0.0.1"))
              .setHost(host("hello"))
              .setPort(g.actualPort())
              .setMethod(HttpMethod.GET)
              .setURI("/elsewhere");
      Response r = await(exchange(http1, o, null));
      assertEquals(200, r.status());
      assertEquals(1.0, retries("connect"), "the one retry went to the other machine");
    } finally {
      await(g.close());
    }
  }

  @Test
  void aPostTheInstanceReceivedIsNeverSentAgain() {
    Backend good = echoBackend(REVISION);
    Backend dying = dyingThenGood(good, false);

    AsyncResult<Response> r = send(HttpMethod.POST, "/once", Buffer.buffer("once"));

    assertTrue(received(dying, "/once"));
    assertEquals(502, r.result().status());
    assertFalse(received(good, "/once"), "a POST the instance received went nowhere else");
    assertEquals(0.0, retries("no_response"));
  }

  @Test
  void aGetWithABodyIsNotSentAgainForItsBodyWasStreamedNotKept() {
    Backend good = echoBackend(REVISION);
    Backend dying = dyingThenGood(good, false);

    AsyncResult<Response> r = send(HttpMethod.GET, "/once", Buffer.buffer("a body"));

    assertTrue(received(dying, "/once"));
    assertEquals(502, r.result().status());
    assertFalse(received(good, "/once"));
  }

  @Test
  void aResponseThatHadStartedIsNeverSentAgain() {
    Backend good = echoBackend(REVISION);
    Backend halfway = dyingThenGood(good, true);

    AsyncResult<Response> r = send(HttpMethod.GET, "/once", null);

    assertTrue(received(halfway, "/once"));
    assertTrue(r.failed(), "the client sees the answer break off: " + r);
    assertFalse(received(good, "/once"));
    assertEquals(0.0, retries("no_response"));
  }

  /** Answers {@code first} to the first question about any revision, {@code then} after. */
  private static final class FirstThen implements EndpointSource {
    private final List<Endpoint> first;
    private final List<Endpoint> then;
    private final AtomicInteger asked = new AtomicInteger();

    FirstThen(List<Endpoint> first, List<Endpoint> then) {
      this.first = first;
      this.then = then;
    }

    @Override
    public List<Endpoint> ready(String namespace, String revision) {
      return asked.getAndIncrement() == 0 ? first : then;
    }

    @Override
    public Future<List<Endpoint>> awaitReady(String namespace, String revision, Duration timeout) {
      return Future.succeededFuture(ready(namespace, revision));
    }
  }

  @Test
  void retriesStopWhenTheBudgetIsSpent() {
    // A clock that stands still: the budget's window never moves, so its arithmetic is exact.
    Gateway fixed =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(endpoints)
            .withMeterRegistry(registry)
            .withServerInstances(1)
            .withClock(new ManualClock(Instant.parse("2026-01-01T00:00:00Z")))
            .build();
    await(fixed.start("127.0.0.1", 0));
    try {
      Backend a = Backend.start(vertx, "a", req -> req.connection().close());
      Backend b = Backend.start(vertx, "b", req -> req.connection().close());
      backends.add(a);
      backends.add(b);
      endpoints.publish(NS, REVISION, a.endpoint(), b.endpoint());
      fixed.onResourceEvent(put(service(NS, "hello", to(REVISION, 100))));
      int requests = 150;
      for (int i = 0; i < requests; i++) {
        var o =
            new io.vertx.core.http.RequestOptions()
                .setServer(
                    io.vertx.core.net.SocketAddress.inetSocketAddress(
                        fixed.actualPort(), "127.0.0.1"))
                .setHost(host("hello"))
                .setPort(fixed.actualPort())
                .setMethod(HttpMethod.GET)
                .setURI("/b" + i);
        assertEquals(502, await(exchange(http1, o, null)).status(), "request " + i);
      }
      // Each request wants one retry (two instances); the budget grants 20 % of the requests
      // plus 10 a second over 10 s.
      double granted = retries("no_response");
      double budget = RetryBudget.RATIO * requests + 10.0 * RetryBudget.WINDOW_SECONDS;
      assertTrue(
          granted >= RetryBudget.MIN_PER_SECOND * RetryBudget.WINDOW_SECONDS && granted <= budget,
          "retries granted: " + granted + ", budget " + budget);
      assertEquals(requests + granted, a.seen.size() + b.seen.size(), "one attempt, or two");
    } finally {
      await(fixed.close());
    }
  }
}
