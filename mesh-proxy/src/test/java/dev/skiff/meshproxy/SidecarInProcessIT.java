package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.CountingListener;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar in front of a workload served in process (as a Wasm instance is): the same policy,
 * limit, stats and drain as for a workload at an address, with no listener but the sidecar's.
 */
class SidecarInProcessIT {
  @TempDir Path dir;
  private SidecarFixture f;
  private HttpClientAgent client;
  private io.vertx.core.http.HttpClient plain;
  private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger clientsGone = new AtomicInteger();
  private final CountingListener listener = new CountingListener();

  /** Answers with the caller it was told of; holds {@code /slow} until the test releases it. */
  private final Handler<HttpServerRequest> workload =
      req -> {
        served.incrementAndGet();
        req.response().exceptionHandler(err -> clientsGone.incrementAndGet());
        if (req.path().equals("/slow") || req.getHeader("x-hold") != null) {
          held.add(req);
          return;
        }
        Buffer body = Buffer.buffer();
        req.handler(body::appendBuffer);
        req.endHandler(
            v -> {
              String xfcc = req.getHeader("x-forwarded-client-cert");
              req.response()
                  .putHeader("seen-client-cert", xfcc == null ? "none" : xfcc)
                  .end("in process ok " + body.length());
            });
      };

  @AfterEach
  void stop() {
    if (client != null) {
      await(client.close());
    }
    if (f != null) {
      release();
      f.close();
    }
  }

  @Test
  void servesTheSameNamespaceAndDeniesAnotherWithTheJsonBody() throws Exception {
    start(b -> b);

    String ok = curl(SpiffeId.workload("skiff.local", "shop", "checkout"), "-d", "hello");
    String denied = curl(SpiffeId.workload("skiff.local", "billing", "ledger"));

    assertTrue(ok.matches("(?s)HTTP/[0-9.]+ 200.*in process ok 5$"), ok);
    assertTrue(
        ok.contains(
            "seen-client-cert: By=spiffe://skiff.local/ns/shop/svc/cart;"
                + "URI=spiffe://skiff.local/ns/shop/svc/checkout"),
        ok);
    assertTrue(denied.matches("(?s)HTTP/[0-9.]+ 403.*"), denied);
    assertTrue(
        denied.contains(
            "\"error\":\"caller spiffe://skiff.local/ns/billing/svc/ledger is not allowed"),
        denied);
    assertEquals(1, served.get(), "a denied request never reaches the workload");
  }

  @Test
  void aReplacedPolicyAppliesToTheNextRequestWithoutARestart() throws Exception {
    start(b -> b);
    SpiffeId ledger = SpiffeId.workload("skiff.local", "billing", "ledger");
    assertTrue(curl(ledger).matches("(?s)HTTP/[0-9.]+ 403.*"));
    int port = f.sidecar.port();

    f.sidecar.updatePolicy(
        AuthorizationPolicy.of(
            List.of(
                SpiffeId.component("skiff.local", "gateway").uri(),
                "spiffe://skiff.local/ns/billing/svc/*")));

    assertEquals(port, f.sidecar.port());
    assertTrue(curl(ledger).matches("(?s)HTTP/[0-9.]+ 200.*"));
    assertTrue(
        curl(SpiffeId.workload("skiff.local", "shop", "checkout"))
            .matches("(?s)HTTP/[0-9.]+ 403.*"),
        "the old default (the same namespace) no longer applies");
  }

  @Test
  void aKeptAliveConnectionsCallerIsCheckedPerRequestAndEachCallerIsToldItsOwnIdentity()
      throws Exception {
    start(b -> b);
    SpiffeId checkout = SpiffeId.workload("skiff.local", "shop", "checkout");
    SpiffeId ledger = SpiffeId.workload("skiff.local", "billing", "ledger");
    HttpClientAgent one = clientOf(checkout);
    try {
      Seen firstSeen = await(getAs(one, "/"));
      Response first = firstSeen.response();
      assertEquals(200, first.status(), first.body());
      assertEquals(
          "By=spiffe://skiff.local/ns/shop/svc/cart;URI=" + checkout.uri(), first.clientCert());

      f.sidecar.updatePolicy(
          AuthorizationPolicy.of(List.of("spiffe://skiff.local/ns/billing/svc/*")));
      Seen secondSeen = await(getAs(one, "/"));
      Response second = secondSeen.response();

      assertEquals(firstSeen.port(), secondSeen.port(), "both went over one kept-alive connection");

      assertEquals(403, second.status(), "the same kept-alive connection, the new policy");
      assertTrue(
          second.body().contains("\"error\":\"caller " + checkout.uri() + " is not allowed"),
          second.body());
    } finally {
      await(one.close());
    }
    HttpClientAgent other = clientOf(ledger);
    try {
      Response third = await(getAs(other, "/")).response();

      assertEquals(200, third.status(), third.body());
      assertEquals(
          "By=spiffe://skiff.local/ns/shop/svc/cart;URI=" + ledger.uri(),
          third.clientCert(),
          "a new caller is told its own identity, not the last caller's");
    } finally {
      await(other.close());
    }
  }

  /** A client of the sidecar's TLS port as {@code caller}, over one kept-alive connection. */
  private HttpClientAgent clientOf(SpiffeId caller) throws Exception {
    Path id = f.ca.writeIdentity(dir, caller);
    return f.vertx
        .httpClientBuilder()
        .with(TestCa.clientOptions(id).setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(1))
        .build();
  }

  /** A response and the client's local port of the connection it came over. */
  private record Seen(Response response, int port) {}

  private Future<Seen> getAs(HttpClientAgent agent, String path) {
    return agent
        .request(HttpMethod.GET, f.sidecar.port(), "127.0.0.1", path)
        .compose(
            req ->
                req.send()
                    .compose(
                        res ->
                            res.body()
                                .map(
                                    b ->
                                        new Response(
                                            res.statusCode(),
                                            b.toString(),
                                            res.getHeader("seen-client-cert"),
                                            res.getHeader("retry-after")))
                                .map(r -> new Seen(r, req.connection().localAddress().port()))));
  }

  @Test
  void limitsConcurrencyCountsQueuedRequestsAndTellsTheListenerOnce() throws Exception {
    start(b -> b.withContainerConcurrency(1).withQueueDepth(1));

    Future<Integer> first = get("/slow");
    eventually("the first request reached the workload", () -> held.size() == 1);
    Future<Integer> second = get("/slow");
    eventually("the second waits and is counted", () -> f.sidecar.stats().inFlight() == 2);
    int third = await(get("/slow"));

    assertEquals(503, third);
    assertEquals(1, held.size(), "the waiting request has not reached the workload");
    held.poll().response().end("slow ok");
    eventually("the waiting request reached the workload", () -> held.size() == 1);
    release();
    assertEquals(200, await(first));
    assertEquals(200, await(second));
    eventually("nothing in flight", () -> f.sidecar.stats().inFlight() == 0);
    InstanceStats.Window w = f.sidecar.stats().drain();
    assertEquals(3, w.requests());
    assertEquals(3, listener.entered());
    eventually("every request left the listener's count", () -> listener.left() == 3);
  }

  @Test
  void drainsARequestInFlightAndRefusesNewConnectionsOnStop() throws Exception {
    start(b -> b.withDrainGrace(Duration.ofSeconds(30)));
    Future<Integer> inFlight = get("/slow");
    eventually("the request reached the workload", () -> held.size() == 1);

    Future<Void> stopped = f.sidecar.stop();
    eventually(
        "new connections are refused",
        () -> !curlQuietly(SpiffeId.component("skiff.local", "gateway")).contains("HTTP/"));
    assertFalse(stopped.isComplete(), "stop waits for the request in flight");
    release();

    assertEquals(200, await(inFlight));
    await(stopped);
  }

  @Test
  void aClientThatLeavesEndsTheRequestAndTheWorkloadLearnsOfIt() throws Exception {
    start(b -> b);
    Future<Integer> abandoned = get("/slow");
    eventually("the request reached the workload", () -> held.size() == 1);

    await(client.close());
    client = null;

    eventually("the workload learned its client left", () -> clientsGone.get() == 1);
    eventually("the request no longer counts", () -> f.sidecar.stats().inFlight() == 0);
    eventually("the listener was told", () -> listener.left() == 1);
    assertTrue(abandoned.failed());
  }

  @Test
  void aRequestPastTheTimeoutGets504OnHttp2AsOnHttp1() throws Exception {
    // On HTTP/2, resuming the unread request before answering left the answer unsent for good.
    start(b -> b.withRequestTimeout(java.time.Duration.ofMillis(500)));
    SpiffeId activator = SpiffeId.component("skiff.local", "activator");
    for (String version : List.of("--http1.1", "--http2")) {
      String out = curl(activator, version, "-H", "x-hold: 1");
      assertTrue(out.matches("(?s)HTTP/[0-9.]+ 504.*"), version + ": " + out);
    }
    held.clear(); // answered by the sidecar; nothing left for the workload to end
  }

  @Test
  void instancesOfOneRevisionShareTheIdentityAndTheirMetersOutliveOneOfThem() throws Exception {
    start(b -> b);
    long issued = f.identity.renewals();
    Sidecar second =
        Sidecar.builder()
            .withVertx(f.vertx)
            .withSharedIdentity(f.identity)
            .withRevision(SidecarFixture.REVISION)
            .withWorkload(workload)
            .withMeterRegistry(f.registry)
            .build();
    await(second.start("127.0.0.1", 0));
    assertEquals(issued, f.identity.renewals(), "the second instance paid no issuance");

    await(second.stop());
    String out = curl(SpiffeId.workload("skiff.local", "shop", "checkout"));

    assertTrue(out.matches("(?s)HTTP/[0-9.]+ 200.*"), out);
    assertEquals(1, f.requests(200), "the first instance's meters survive the second's stop");
    assertTrue(
        f.registry.find("skiff.sidecar.certificate.expiry").gauge() != null,
        "the identity's expiry gauge is still there");
    assertEquals(issued, f.identity.renewals());
  }

  @Test
  void aRequestHandedOverInProcessIsAuthorizedAndCountedAsOneOverTls() throws Exception {
    start(b -> b);
    int front = inProcessFront();
    assertTrue(f.sidecar.takesInProcessRequests());

    Response ok = plainGet(front, "/", SpiffeId.workload("skiff.local", "shop", "checkout"));
    Response denied = plainGet(front, "/", SpiffeId.workload("skiff.local", "billing", "ledger"));

    assertEquals(200, ok.status(), ok.body());
    assertEquals("in process ok 0", ok.body());
    assertEquals(
        "By=spiffe://skiff.local/ns/shop/svc/cart;URI=spiffe://skiff.local/ns/shop/svc/checkout",
        ok.clientCert());
    assertEquals(403, denied.status());
    assertTrue(
        denied.body().contains("caller spiffe://skiff.local/ns/billing/svc/ledger is not allowed"),
        denied.body());
    assertEquals(1, served.get(), "a denied request never reaches the workload");
    assertEquals(
        1, listener.entered(), "only the authorized request is counted for the autoscaler");
    assertEquals(1, listener.left());
    assertEquals(0, f.sidecar.connections(), "no connection to the sidecar's listener");
  }

  @Test
  void eachCallerInTurnIsTheOneNamedToTheWorkload() throws Exception {
    start(b -> b);
    int front = inProcessFront();
    SpiffeId checkout = SpiffeId.workload("skiff.local", "shop", "checkout");
    SpiffeId orders = SpiffeId.workload("skiff.local", "shop", "orders");

    for (SpiffeId caller : List.of(checkout, orders, orders, checkout)) {
      Response r = plainGet(front, "/", caller);

      assertEquals(200, r.status(), r.body());
      assertEquals(
          "By=spiffe://skiff.local/ns/shop/svc/cart;URI=" + caller.uri(),
          r.clientCert(),
          caller.uri());
    }
  }

  @Test
  void stopWaitsForARequestInFlightInProcessAndTakesNoMore() throws Exception {
    start(b -> b.withDrainGrace(Duration.ofSeconds(30)));
    int front = inProcessFront();
    SpiffeId gateway = SpiffeId.component("skiff.local", "gateway");
    Future<Response> slow = plainGetAsync(front, "/slow", gateway);
    eventually("the request to reach the workload", () -> held.size() == 1);

    Future<Void> stopped = f.sidecar.stop();

    assertFalse(f.sidecar.takesInProcessRequests(), "a stopping sidecar takes no new request");
    assertFalse(stopped.isComplete(), "the request in flight holds the stop");
    release();
    assertEquals(200, await(slow).status());
    await(stopped);
  }

  @Test
  void aRequestInProcessStillRunningWhenTheDrainGraceEndsGets503WithRetryAfter() throws Exception {
    start(b -> b.withDrainGrace(Duration.ofMillis(100)));
    int front = inProcessFront();
    SpiffeId activator = SpiffeId.component("skiff.local", "activator");
    Future<Response> slow = plainGetAsync(front, "/slow", activator);
    eventually("the request to reach the workload", () -> held.size() == 1);

    Future<Void> stopped = f.sidecar.stop();

    // The workload never answers; its caller must not be left waiting for its own timeout.
    Response r = await(slow);
    assertEquals(503, r.status(), r.body());
    assertTrue(r.retryAfter() != null, "a Retry-After header");
    assertTrue(r.body().contains("the instance stopped before answering"), r.body());
    await(stopped);
    held.clear(); // answered by the sidecar; nothing left for the workload to end
  }

  /** What a plain client got back from the in-process front. */
  private record Response(int status, String body, String clientCert, String retryAfter) {}

  /**
   * A plaintext listener standing for a caller in this process (the activator): it hands every
   * request to the sidecar in process, as the caller named in {@code x-test-caller}.
   */
  private int inProcessFront() {
    return await(
            f.vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      req.pause();
                      SpiffeId caller = SpiffeId.parse(req.getHeader("x-test-caller"));
                      f.sidecar.serveInProcess(req, caller, Promise.<Void>promise().future());
                    })
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  private Response plainGet(int port, String path, SpiffeId caller) {
    return await(plainGetAsync(port, path, caller));
  }

  private Future<Response> plainGetAsync(int port, String path, SpiffeId caller) {
    if (plain == null) {
      plain = f.vertx.createHttpClient();
    }
    return plain
        .request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(
            req ->
                req.putHeader("x-test-caller", caller.uri())
                    .send()
                    .compose(
                        res ->
                            res.body()
                                .map(
                                    b ->
                                        new Response(
                                            res.statusCode(),
                                            b.toString(),
                                            res.getHeader("seen-client-cert"),
                                            res.getHeader("retry-after")))));
  }

  private void start(UnaryOperator<Sidecar.Builder> settings) {
    f =
        new SidecarFixture(
            b -> settings.apply(b.withWorkload(workload).withRequestListener(listener)));
  }

  private void release() {
    HttpServerRequest r;
    while ((r = held.poll()) != null) {
      r.response().end("slow ok");
    }
  }

  private String curl(SpiffeId caller, String... extra) throws Exception {
    Path id = f.ca.writeIdentity(dir, caller);
    return ExternalClient.curl("https://127.0.0.1:" + f.sidecar.port() + "/")
        .flags(
            "--insecure",
            "--cert",
            id.resolve("cert.pem").toString(),
            "--key",
            id.resolve("key.pem").toString())
        .flags(extra)
        .run()
        .output();
  }

  private String curlQuietly(SpiffeId caller) {
    try {
      return curl(caller);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Future<Integer> get(String path) throws Exception {
    if (client == null) {
      Path id = f.ca.writeIdentity(dir, SpiffeId.component("skiff.local", "activator"));
      client =
          f.vertx
              .httpClientBuilder()
              .with(TestCa.clientOptions(id))
              .with(new PoolOptions().setHttp1MaxSize(8))
              .build();
    }
    return client
        .request(HttpMethod.GET, f.sidecar.port(), "127.0.0.1", path)
        .compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())));
  }
}
