package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.testing.ClosingUpstream;
import dev.skiff.proxy.testing.GoingAwayUpstream;
import dev.skiff.routing.Outliers;
import dev.skiff.routing.RetryBudget;
import dev.skiff.routing.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outbound calls between workloads over the real mesh: sidecars with their own certificates from a
 * test CA, mTLS on loopback, the callee's authorization policy, the traffic split, retries,
 * ejection and timeouts.
 */
class MeshCallerIT {
  private static final String TD = "skiff.local";
  private static final String DOMAIN = "localhost";
  private static final Duration TEN_S = Duration.ofSeconds(10);

  private final Vertx vertx = Vertx.vertx();
  private final TestCa ca = TestCa.create("mesh");
  private final List<Sidecar> sidecars = new CopyOnWriteArrayList<>();
  private final Map<String, List<Callee>> ready = new ConcurrentHashMap<>();
  private final Map<String, Promise<List<Callee>>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private volatile RouteTable table = RouteTable.empty(DOMAIN);

  private final CalleeEndpoints endpoints =
      new CalleeEndpoints() {
        @Override
        public List<Callee> ready(String namespace, String revision) {
          return ready.getOrDefault(namespace + "/" + revision, List.of());
        }

        @Override
        public Future<List<Callee>> awaitReady(
            String namespace, String revision, Duration timeout) {
          return waiting
              .computeIfAbsent(namespace + "/" + revision, k -> Promise.promise())
              .future();
        }
      };

  private final MeshCaller mesh =
      MeshCaller.builder()
          .withVertx(vertx)
          .withRoutes(() -> table)
          .withDomain(DOMAIN)
          .withEndpoints(endpoints)
          .withNanoTime(now::get)
          .build();

  /** The same, with every sidecar of this test entered in process, as skiffd's Wasm sidecars. */
  private final MeshCaller inProcess =
      MeshCaller.builder()
          .withVertx(vertx)
          .withRoutes(() -> table)
          .withDomain(DOMAIN)
          .withEndpoints(endpoints)
          .withLocalCallees(
              callee ->
                  sidecars.stream().filter(s -> s.port() == callee.port()).findFirst().orElse(null))
          .withNanoTime(now::get)
          .build();

  @AfterEach
  void stop() {
    mesh.close();
    inProcess.close();
    sidecars.forEach(s -> await(s.stop(Duration.ZERO)));
    await(vertx.close());
  }

  private IdentityProvider identity(String ns, String svc) {
    IdentityProvider id =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(SpiffeId.workload(TD, ns, svc))
            .withIssuer(ca.issuer())
            .withTtl(Duration.ofHours(1))
            .build();
    await(id.start());
    return id;
  }

  /** Starts an instance of {@code ns/revision} (service {@code svc}) and marks it ready. */
  private Callee instance(
      String ns,
      String svc,
      String revision,
      AuthorizationPolicy policy,
      Handler<HttpServerRequest> workload) {
    IdentityProvider id = identity(ns, svc);
    Sidecar s =
        Sidecar.builder()
            .withVertx(vertx)
            .withSharedIdentity(id)
            .withRevision(RevisionKey.of(ns, revision))
            .withPolicy(policy)
            .withWorkload(workload)
            .withMeterRegistry(new SimpleMeterRegistry())
            .withDrainGrace(Duration.ZERO)
            .build();
    await(s.start("127.0.0.1", 0, 0));
    sidecars.add(s);
    Callee c = new Callee("127.0.0.1", s.port(), id.id().uri());
    ready.computeIfAbsent(ns + "/" + revision, k -> new CopyOnWriteArrayList<>()).add(c);
    return c;
  }

  /**
   * Starts a sidecar of shop/cart-00001 (service cart) before a workload listening at {@code
   * host:port}, over h2c when {@code h2c}, and marks it ready.
   */
  private Callee atAddress(String host, int port, boolean h2c) {
    IdentityProvider id = identity("shop", "cart");
    Sidecar s =
        Sidecar.builder()
            .withVertx(vertx)
            .withSharedIdentity(id)
            .withRevision(RevisionKey.of("shop", "cart-00001"))
            .withPolicy(AuthorizationPolicy.defaultFor(TD, "shop"))
            .withWorkload(host, port)
            .withWorkloadH2c(h2c)
            .withMeterRegistry(new SimpleMeterRegistry())
            .withDrainGrace(Duration.ZERO)
            .build();
    await(s.start("127.0.0.1", 0, 0));
    sidecars.add(s);
    Callee c = new Callee("127.0.0.1", s.port(), id.id().uri());
    ready.computeIfAbsent("shop/cart-00001", k -> new CopyOnWriteArrayList<>()).add(c);
    return c;
  }

  private static Handler<HttpServerRequest> answering(String text) {
    return req ->
        req.response()
            .putHeader("seen-caller", String.valueOf(req.getHeader("x-forwarded-client-cert")))
            .putHeader("seen-host", String.valueOf(req.authority()))
            .end(text + " " + req.method() + " " + req.uri());
  }

  private void routes(String ns, String name, TrafficTarget... traffic) {
    Service s =
        Service.of(
                ObjectMeta.of(ns, name),
                new ServiceSpec(
                    new RevisionTemplate("r/fn:1", null, null, null, null, null, null, null),
                    List.of(traffic)))
            .withStatus(new ServiceStatus(1L, null, null, null, List.of(traffic), null));
    table = RouteTable.build(List.of(s), DOMAIN, Duration.ofSeconds(30));
  }

  private OutboundReply call(IdentityProvider caller, String method, String url) {
    return await(mesh.call(caller, call(method, url, Duration.ofSeconds(10))));
  }

  /** A GET of cart.shop whose caller takes at most 1,000 bytes of answer. */
  private static OutboundCall limitedTo1000Bytes() {
    return new OutboundCall(
        "GET",
        URI.create("http://cart.shop/"),
        List.of(),
        new byte[0],
        Duration.ofSeconds(10),
        1000);
  }

  /** The call failed because its answer was over the caller's limit. */
  private static void assertTooLarge(Future<OutboundReply> call) {
    Throwable failure = call.toCompletionStage().toCompletableFuture().handle((r, e) -> e).join();
    assertTrue(
        failure != null && failure.getCause() instanceof ResponseTooLargeException
            || failure instanceof ResponseTooLargeException,
        String.valueOf(failure));
  }

  private static OutboundCall call(String method, String url, Duration timeout) {
    return new OutboundCall(
        method, URI.create(url), List.of(Map.entry("X-Test", "1")), new byte[0], timeout, 1 << 20);
  }

  private static String body(OutboundReply r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static String header(OutboundReply r, String name) {
    return r.headers().stream()
        .filter(h -> h.getKey().equals(name))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  @Test
  void aPostOnAStreamTheCalleeDidNotProcessIsSentAgain() throws Exception {
    // A callee that shuts its HTTP/2 connection down: it holds the first call's stream until the
    // second's is open, then sends GOAWAY naming the first as its last stream.
    SpiffeId cartId = SpiffeId.workload(TD, "shop", "cart");
    Path id = ca.writeIdentity(Files.createTempDirectory("goaway"), cartId);
    GoingAwayUpstream cart =
        new GoingAwayUpstream(
            vertx,
            TestCa.serverOptions(new HttpServerOptions().setUseAlpn(true), id),
            2,
            GoingAwayUpstream.Below.ANSWER);
    int port = cart.listen();
    ready
        .computeIfAbsent("shop/cart-00001", k -> new CopyOnWriteArrayList<>())
        .add(new Callee("127.0.0.1", port, cartId.uri()));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");
    OutboundCall charge =
        new OutboundCall(
            "POST",
            URI.create("http://cart.shop/charge"),
            List.of(),
            "two apples".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10),
            1 << 20);

    Future<OutboundReply> first = mesh.call(caller, call("GET", "http://cart.shop/first", TEN_S));
    eventually("the callee holds the first call", () -> cart.holding() == 1);
    OutboundReply post = await(mesh.call(caller, charge));

    assertEquals(200, post.status(), body(post));
    assertEquals("ok /charge", body(post));
    assertEquals(1, cart.unprocessed("/charge"), "the GOAWAY left the POST unprocessed");
    assertEquals(1, cart.answered("/charge"), "processed once, on another connection");
    assertEquals(200, await(first).status());
  }

  @Test
  void aRequestTheSidecarsH2cWorkloadDidNotProcessIsSentAgainByTheSidecar() {
    // An h2c workload (a gRPC server, say) that shuts its connection down: it holds the first
    // request's stream until the second's is open, then sends GOAWAY naming the first as its last.
    GoingAwayUpstream workload = new GoingAwayUpstream(vertx, 2, GoingAwayUpstream.Below.ANSWER);
    atAddress("127.0.0.1", workload.listen(), true);
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");

    Future<OutboundReply> first = mesh.call(caller, call("GET", "http://cart.shop/first", TEN_S));
    eventually("the workload holds the first request", () -> workload.holding() == 1);
    // No body: the sidecar may send it again whatever its method.
    OutboundReply post = await(mesh.call(caller, call("POST", "http://cart.shop/charge", TEN_S)));

    assertEquals(200, post.status(), body(post));
    assertEquals("ok /charge", body(post));
    assertEquals(1, workload.unprocessed("/charge"), "the GOAWAY left the POST unprocessed");
    assertEquals(1, workload.answered("/charge"), "processed once, on another connection");
    assertEquals(200, await(first).status());
  }

  @Test
  void aGrpcCallTheSidecarsH2cWorkloadDidNotProcessIsSentAgainWithItsBody() {
    // A gRPC server at its connection-age limit: it holds the first request's stream until the
    // second's is open, then sends GOAWAY naming the first as its last. The sidecar streamed the
    // call's body to it, and kept it (under its bound), so it sends the call again, body and all.
    GoingAwayUpstream workload = new GoingAwayUpstream(vertx, 2, GoingAwayUpstream.Below.ANSWER);
    atAddress("127.0.0.1", workload.listen(), true);
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");
    byte[] message = new byte[5 + 3_000];
    message[4] = (byte) 0xb8; // a gRPC frame: uncompressed, length 3,000 (0x0bb8)
    message[3] = (byte) 0x0b;
    for (int i = 5; i < message.length; i++) {
      message[i] = (byte) ('a' + i % 26);
    }
    OutboundCall charge =
        new OutboundCall(
            "POST",
            URI.create("http://cart.shop/shop.Cart/Charge"),
            List.of(Map.entry("content-type", "application/grpc"), Map.entry("te", "trailers")),
            message,
            TEN_S,
            1 << 20);

    Future<OutboundReply> first = mesh.call(caller, call("GET", "http://cart.shop/first", TEN_S));
    eventually("the workload holds the first request", () -> workload.holding() == 1);
    OutboundReply grpc = await(mesh.call(caller, charge));

    assertEquals(200, grpc.status(), body(grpc));
    assertEquals("ok /shop.Cart/Charge", body(grpc));
    assertEquals("application/grpc", header(grpc, "content-type"));
    assertEquals(1, workload.unprocessed("/shop.Cart/Charge"), "the GOAWAY left it unprocessed");
    assertEquals(
        List.of(Buffer.buffer(message)),
        workload.bodies("/shop.Cart/Charge"),
        "the whole body, processed once, on another connection");
    assertEquals(200, await(first).status());
  }

  @Test
  void aGetOnAKeptAliveConnectionTheWorkloadClosedIsSentAgainByTheSidecar() {
    // An HTTP/1.1 workload that answers each connection's first request and closes the connection
    // as the next one arrives: its idle timeout crossing the sidecar's reuse of the connection.
    ClosingUpstream workload =
        new ClosingUpstream(vertx, false, (connection, request) -> request == 1);
    atAddress("127.0.0.1", workload.listen(), false);
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");

    OutboundReply first = call(caller, "GET", "http://cart.shop/first");
    OutboundReply second = call(caller, "GET", "http://cart.shop/second");

    assertEquals(200, first.status(), body(first));
    assertEquals(200, second.status(), body(second));
    assertEquals("ok 2.1", body(second), "sent again by the sidecar, on a new connection");
    assertEquals(2, workload.connections());
  }

  @Test
  void callsACalleeByNameOverMutualTlsAsTheCaller() {
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        answering("cart"));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");

    OutboundReply short_ = call(caller, "GET", "http://cart.shop/items?n=1");
    OutboundReply full = call(caller, "POST", "http://cart.shop.localhost/items");

    assertEquals(200, short_.status(), body(short_));
    assertEquals("cart GET /items?n=1", body(short_));
    assertEquals("cart-00001", short_.revision());
    assertTrue(
        header(short_, "seen-caller").contains("spiffe://skiff.local/ns/shop/svc/web"),
        header(short_, "seen-caller"));
    assertEquals("cart.shop", header(short_, "seen-host"));
    assertEquals(200, full.status());
    assertEquals("cart POST /items", body(full));
  }

  @Test
  void aSidecarOfThisProcessIsEnteredWithoutAConnectionAndStillChecksTheCaller() {
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        req ->
            req.body()
                .onSuccess(
                    b ->
                        req.response()
                            .putHeader("seen-caller", req.getHeader("x-forwarded-client-cert"))
                            .putHeader("seen-connection", String.valueOf(req.connection()))
                            .putHeader("seen-host", req.getHeader("host"))
                            .end("cart " + req.method() + " " + req.uri() + " " + b)));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    OutboundCall post =
        new OutboundCall(
            "POST",
            URI.create("http://cart.shop/items?n=1"),
            List.of(Map.entry("Content-Type", "text/plain")),
            "two apples".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10),
            1 << 20);

    OutboundReply allowed = await(inProcess.call(identity("shop", "web"), post));
    OutboundReply denied = await(inProcess.call(identity("billing", "ledger"), post));

    assertEquals(200, allowed.status(), body(allowed));
    assertEquals("cart POST /items?n=1 two apples", body(allowed));
    assertEquals("null", header(allowed, "seen-connection"), "no socket between the two");
    assertTrue(
        header(allowed, "seen-caller").contains("URI=spiffe://skiff.local/ns/shop/svc/web"),
        header(allowed, "seen-caller"));
    assertEquals("cart.shop", header(allowed, "seen-host"));
    assertEquals(403, denied.status(), body(denied));
    assertTrue(body(denied).contains("spiffe://skiff.local/ns/billing/svc/ledger"), body(denied));
  }

  /**
   * A workload that takes requests whole (a Wasm instance): its HTTP entry answers 500, so a call
   * that went through it shows.
   */
  private static final class Whole implements Handler<HttpServerRequest>, InProcessWorkload {
    final AtomicInteger httpEntries = new AtomicInteger();
    final int size;

    Whole(int size) {
      this.size = size;
    }

    @Override
    public void handle(HttpServerRequest req) {
      httpEntries.incrementAndGet();
      req.response().setStatusCode(500).end("the HTTP entry");
    }

    @Override
    public Future<Answer> serve(Call call, Future<Void> gone) {
      String text =
          size > 0
              ? "x".repeat(size)
              : "cart "
                  + call.method()
                  + " "
                  + call.path()
                  + "?"
                  + call.query()
                  + " "
                  + new String(call.body(), StandardCharsets.UTF_8)
                  + " host="
                  + call.header("host")
                  + " type="
                  + call.header("content-type")
                  + " length="
                  + call.header("content-length");
      return Future.succeededFuture(
          new Answer(
              200,
              List.of(Map.entry("seen-caller", call.header("x-forwarded-client-cert"))),
              text.getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void anInProcessCalleeThatTakesRequestsWholeGetsTheCallAsValuesThroughItsSidecarsPolicy() {
    Whole workload = new Whole(0);
    instance("shop", "cart", "cart-00001", AuthorizationPolicy.defaultFor(TD, "shop"), workload);
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    OutboundCall post =
        new OutboundCall(
            "POST",
            URI.create("http://cart.shop/items?n=1"),
            List.of(Map.entry("Content-Type", "text/plain"), Map.entry("Connection", "close")),
            "two apples".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10),
            1 << 20);

    OutboundReply allowed = await(inProcess.call(identity("shop", "web"), post));
    OutboundReply denied = await(inProcess.call(identity("billing", "ledger"), post));

    assertEquals(200, allowed.status(), body(allowed));
    assertEquals(
        "cart POST /items?n=1 two apples host=cart.shop type=text/plain length=10", body(allowed));
    assertTrue(
        header(allowed, "seen-caller").contains("URI=spiffe://skiff.local/ns/shop/svc/web"),
        header(allowed, "seen-caller"));
    assertEquals(403, denied.status(), body(denied));
    assertTrue(body(denied).contains("spiffe://skiff.local/ns/billing/svc/ledger"), body(denied));
    assertEquals(0, workload.httpEntries.get(), "neither call went through the HTTP entry");
  }

  @Test
  void aWholeAnswerOverTheCallersLimitFailsTheCall() {
    Whole workload = new Whole(5000);
    instance("shop", "cart", "cart-00001", AuthorizationPolicy.defaultFor(TD, "shop"), workload);
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    assertTooLarge(inProcess.call(identity("shop", "web"), limitedTo1000Bytes()));
    assertEquals(0, workload.httpEntries.get());
  }

  @Test
  void anInProcessCallThatOutlivesItsTimeoutIsAnswered504AndTheWorkloadToldToStop() {
    Promise<Void> workloadToldToStop = Promise.promise();
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        req -> req.response().exceptionHandler(err -> workloadToldToStop.tryComplete()));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));

    OutboundReply r =
        await(
            inProcess.call(
                identity("shop", "web"),
                call("GET", "http://cart.shop/slow", Duration.ofMillis(300))));

    assertEquals(504, r.status(), body(r));
    assertEquals("504", header(r, "skiff-mesh-error"));
    await(workloadToldToStop.future());
  }

  @Test
  void aTagHostReachesItsOneRevision() {
    AuthorizationPolicy policy = AuthorizationPolicy.defaultFor(TD, "shop");
    instance("shop", "cart", "cart-00001", policy, answering("one"));
    instance("shop", "cart", "cart-00002", policy, answering("two"));
    routes(
        "shop",
        "cart",
        TrafficTarget.revision("cart-00001", 100),
        TrafficTarget.revision("cart-00002", 0).withTag("next"));
    IdentityProvider caller = identity("shop", "web");

    for (int i = 0; i < 20; i++) {
      OutboundReply r = call(caller, "GET", "http://next-cart.shop/");
      assertEquals("cart-00002", r.revision(), body(r));
    }
  }

  @Test
  void aResponseOverTheCallersLimitFailsTheCall() {
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        req -> req.response().end("x".repeat(5000)));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    assertTooLarge(mesh.call(identity("shop", "web"), limitedTo1000Bytes()));
  }

  @Test
  void theCalleesPolicyDenyingTheCallersNamespaceReachesTheCallerAs403() {
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        answering("cart"));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));

    OutboundReply denied = call(identity("other", "web"), "GET", "http://cart.shop/");

    assertEquals(403, denied.status(), body(denied));
  }

  @Test
  void anUnknownNameIs404WithAHint() {
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));

    OutboundReply r = call(identity("shop", "web"), "GET", "http://nope.shop/");

    assertEquals(404, r.status());
    assertTrue(body(r).contains("{service}.{namespace}"), body(r));
  }

  @Test
  void aNinetyTenSplitHoldsWithinThreePercentOverFiveThousandCalls() {
    AuthorizationPolicy policy = AuthorizationPolicy.defaultFor(TD, "shop");
    instance("shop", "cart", "cart-00001", policy, answering("one"));
    instance("shop", "cart", "cart-00002", policy, answering("two"));
    routes(
        "shop",
        "cart",
        TrafficTarget.revision("cart-00001", 90),
        TrafficTarget.revision("cart-00002", 10));
    IdentityProvider caller = identity("shop", "web");
    int total = 5000;
    AtomicInteger first = new AtomicInteger();
    for (int batch = 0; batch < total / 100; batch++) {
      List<Future<OutboundReply>> calls = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        calls.add(mesh.call(caller, call("GET", "http://cart.shop/", Duration.ofSeconds(10))));
      }
      for (Future<OutboundReply> f : calls) {
        OutboundReply r = await(f);
        assertEquals(200, r.status(), body(r));
        if ("cart-00001".equals(r.revision())) {
          first.incrementAndGet();
        }
      }
    }
    double share = first.get() / (double) total;
    System.out.printf(
        "mesh split: %d calls, cart-00001 (90 %%) answered %d (%.2f %%)%n",
        total, first.get(), 100 * share);
    assertTrue(Math.abs(share - 0.9) <= 0.03, "cart-00001 got " + share + " of the calls");
  }

  @Test
  void retriesHideAnInstanceThatFailsHalfItsRequestsWithinTheBudget() {
    AuthorizationPolicy policy = AuthorizationPolicy.defaultFor(TD, "shop");
    AtomicInteger flaky = new AtomicInteger();
    AtomicInteger served = new AtomicInteger();
    instance("shop", "cart", "cart-00001", policy, counting(served, answering("a")));
    instance("shop", "cart", "cart-00001", policy, counting(served, answering("b")));
    instance(
        "shop",
        "cart",
        "cart-00001",
        policy,
        counting(
            served,
            req -> {
              if (flaky.incrementAndGet() % 2 == 0) {
                req.response().setStatusCode(503).end("overloaded");
              } else {
                req.response().end("c");
              }
            }));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");
    int total = 1500;

    for (int batch = 0; batch < total / 50; batch++) {
      List<Future<OutboundReply>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(mesh.call(caller, call("GET", "http://cart.shop/", Duration.ofSeconds(10))));
      }
      for (Future<OutboundReply> f : calls) {
        assertEquals(200, await(f).status());
      }
    }

    long extra = served.get() - total;
    // Linkerd's budget over its 10 s window, which the whole run is in (the clock stands still):
    // 20 % of the calls plus 10 retries a second.
    double budget =
        RetryBudget.RATIO * total + RetryBudget.MIN_PER_SECOND * RetryBudget.WINDOW_SECONDS;
    System.out.printf(
        "mesh retries: %d calls, %d extra requests (%.1f %%), budget %.0f%n",
        total, extra, 100.0 * extra / total, budget);
    assertEquals(extra, mesh.retries());
    assertTrue(extra <= budget, "retries " + extra + " over the budget of " + budget);
  }

  @Test
  void anInstanceThatAlwaysFailsIsEjectedAndLaterProbed() {
    AuthorizationPolicy policy = AuthorizationPolicy.defaultFor(TD, "shop");
    AtomicInteger badHits = new AtomicInteger();
    Callee bad =
        instance(
            "shop",
            "cart",
            "cart-00001",
            policy,
            req -> {
              badHits.incrementAndGet();
              req.response().setStatusCode(500).end("broken");
            });
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");
    // POST: not retried, so each call is one request to the only instance. The balancer's clock
    // stands still unless the test moves it.
    for (int i = 0; i < Outliers.CONSECUTIVE_FAILURES; i++) {
      assertEquals(500, call(caller, "POST", "http://cart.shop/").status());
    }
    assertTrue(mesh.ejected(bad), "ejected after 7 consecutive failures");

    instance("shop", "cart", "cart-00001", policy, answering("good"));
    for (int i = 0; i < 20; i++) {
      assertEquals(200, call(caller, "POST", "http://cart.shop/").status());
    }
    assertEquals(7, badHits.get(), "left out while another instance is ready");

    now.addAndGet(Outliers.FIRST_BACKOFF_NANOS);
    assertFalse(mesh.ejected(bad), "after 1 s it may be tried again");
    ready.put("shop/cart-00001", List.of(bad)); // make the probe land on it
    assertEquals(500, call(caller, "POST", "http://cart.shop/").status());
    assertEquals(8, badHits.get());
    assertTrue(mesh.ejected(bad), "the failed probe ejects it again");
    now.addAndGet(2 * Outliers.FIRST_BACKOFF_NANOS - 1);
    assertTrue(mesh.ejected(bad), "for twice as long");
    now.addAndGet(1);
    assertFalse(mesh.ejected(bad));
  }

  @Test
  void aCallThatOutlivesItsTimeoutIs504() {
    instance(
        "shop",
        "cart",
        "cart-00001",
        AuthorizationPolicy.defaultFor(TD, "shop"),
        req -> {}); // never answers
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));

    OutboundReply r =
        await(
            mesh.call(
                identity("shop", "web"),
                call("POST", "http://cart.shop/", Duration.ofMillis(300))));

    assertEquals(504, r.status());
    assertEquals("504", header(r, "skiff-mesh-error"));
  }

  @Test
  void anInstanceNamingAnotherIdentityIsNeverSentTheCall() {
    AtomicInteger reached = new AtomicInteger();
    Callee real =
        instance(
            "shop",
            "cart",
            "cart-00001",
            AuthorizationPolicy.defaultFor(TD, "shop"),
            counting(reached, answering("x")));
    ready.put(
        "shop/cart-00001",
        List.of(new Callee(real.host(), real.port(), "spiffe://skiff.local/ns/shop/svc/other")));
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));

    OutboundReply r = call(identity("shop", "web"), "POST", "http://cart.shop/");

    assertEquals(502, r.status(), body(r));
    assertEquals(0, reached.get());
  }

  @Test
  void aCallToACalleeAtZeroWaitsForItsFirstInstance() {
    routes("shop", "cart", TrafficTarget.revision("cart-00001", 100));
    IdentityProvider caller = identity("shop", "web");

    Future<OutboundReply> pending =
        mesh.call(caller, call("GET", "http://cart.shop/", Duration.ofSeconds(10)));
    Promise<List<Callee>> woken = awaitWaiter("shop/cart-00001");
    Callee c =
        instance(
            "shop",
            "cart",
            "cart-00001",
            AuthorizationPolicy.defaultFor(TD, "shop"),
            answering("cold"));
    woken.complete(List.of(c));

    assertEquals(200, await(pending).status());
  }

  private Promise<List<Callee>> awaitWaiter(String key) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!waiting.containsKey(key)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the call never asked for capacity");
      }
      Thread.onSpinWait();
    }
    return waiting.get(key);
  }

  private static Handler<HttpServerRequest> counting(
      AtomicInteger n, Handler<HttpServerRequest> next) {
    return req -> {
      n.incrementAndGet();
      next.handle(req);
    };
  }
}
