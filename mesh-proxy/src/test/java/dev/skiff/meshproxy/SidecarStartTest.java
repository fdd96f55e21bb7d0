package dev.skiff.meshproxy;

import static dev.skiff.meshproxy.testing.SidecarFixture.REVISION;
import static dev.skiff.meshproxy.testing.SidecarFixture.SELF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.ManualTicker;
import dev.skiff.meshproxy.testing.TestCa;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The start of a sidecar before a workload served in process: it takes in-process requests from the
 * start on, while its listener binds, and a stop during the bind leaves no listener behind.
 */
class SidecarStartTest {
  final Vertx vertx = Vertx.vertx();
  final TestCa ca = TestCa.create("mesh");
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Sidecar sidecar =
      Sidecar.builder()
          .withVertx(vertx)
          .withIdentity(
              IdentityProvider.builder()
                  .withVertx(vertx)
                  .withIdentity(SELF)
                  .withIssuer(ca.issuer())
                  .withTtl(Duration.ofHours(1))
                  .withTicker(new ManualTicker())
                  .build())
          .withRevision(REVISION)
          .withWorkload(req -> req.response().end("in process"))
          .withMeterRegistry(registry)
          .build();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void takesInProcessRequestsAsSoonAsItIsStartedWithoutWaitingForItsListener() throws Exception {
    assertFalse(sidecar.takesInProcessRequests(), "not before its start");

    Future<Void> listening = sidecar.start("127.0.0.1", 0);

    assertTrue(sidecar.takesInProcessRequests(), "the in-process entry needs no listener");
    await(listening);
    assertTrue(sidecar.port() > 0);
    await(sidecar.stop(Duration.ZERO));
    assertFalse(sidecar.takesInProcessRequests(), "not once stopping");
  }

  @Test
  void aStopWhileTheListenerBindsClosesItOnceBound() throws Exception {
    Future<Void> listening = sidecar.start("127.0.0.1", 0);

    await(sidecar.stop(Duration.ZERO));

    assertTrue(listening.isComplete(), "the stop waited for the bind");
    int port = sidecar.port();
    assertTrue(port > 0, "it was bound");
    // Polled: in one CI run at load 22 (and once in 12 runs of this class at that load) a connect
    // made right after the stop still succeeded; what held the port then is not known. A listener
    // left open keeps answering and fails this after the deadline.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (accepts(port) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThrows(
        IOException.class,
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          }
        },
        "nothing listens any more");
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void startedInProcessItServesWithoutAnyListenerUntilListenBindsOne() throws Exception {
    await(sidecar.identity().start());

    sidecar.startInProcess();

    assertTrue(sidecar.takesInProcessRequests());
    assertEquals(-1, sidecar.port(), "no listener set up yet");
    await(sidecar.listen("127.0.0.1", 0, 0));
    assertTrue(sidecar.port() > 0, "bound by listen");
    assertTrue(sidecar.listen("127.0.0.1", 0, 0).failed(), "one listener per sidecar");
    await(sidecar.stop(Duration.ZERO));
  }

  @Test
  void aSidecarStoppedBeforeItsListenerWasAskedForNeverBindsOne() throws Exception {
    await(sidecar.identity().start());
    sidecar.startInProcess();

    await(sidecar.stop(Duration.ZERO));
    Future<Void> late = sidecar.listen("127.0.0.1", 0, 0);

    assertTrue(late.failed(), "a stopping sidecar does not listen");
    assertTrue(late.cause().getMessage().contains("stopping"), late.cause().getMessage());
    assertEquals(-1, sidecar.port());
  }

  @Test
  void listenAfterFirstAnswerBindsOnlyOnceTheFirstInProcessRequestHasBeenAnswered()
      throws Exception {
    CompletableFuture<HttpServerRequest> held = new CompletableFuture<>();
    Sidecar holding =
        Sidecar.builder()
            .withVertx(vertx)
            .withIdentity(
                IdentityProvider.builder()
                    .withVertx(vertx)
                    .withIdentity(SELF)
                    .withIssuer(ca.issuer())
                    .withTtl(Duration.ofHours(1))
                    .withTicker(new ManualTicker())
                    .build())
            .withRevision(REVISION)
            .withPolicy(AuthorizationPolicy.defaultFor("skiff.local", "shop"))
            .withWorkload(held::complete)
            .withMeterRegistry(new SimpleMeterRegistry())
            .build();
    await(holding.identity().start());
    holding.startInProcess();
    // No request-less timer within the test: only the first answer can let it bind.
    Future<Void> listening = holding.listenAfterFirstAnswer("127.0.0.1", 0, 0, Duration.ofHours(1));
    HttpServer front =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      req.pause();
                      holding.serveInProcess(
                          req,
                          SpiffeId.component("skiff.local", "activator"),
                          Promise.<Void>promise().future());
                    })
                .listen(0, "127.0.0.1"));
    HttpClient client = HttpClient.newHttpClient();
    CompletableFuture<java.net.http.HttpResponse<String>> answer =
        client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.actualPort() + "/"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            BodyHandlers.ofString());

    HttpServerRequest first = held.get(30, TimeUnit.SECONDS);
    assertFalse(listening.isComplete(), "no listener while the first request is under way");
    assertEquals(-1, holding.port());
    first.response().end("answered");
    assertEquals("answered", answer.get(30, TimeUnit.SECONDS).body());

    await(listening);
    assertTrue(holding.port() > 0, "bound after the first answer");
    await(holding.stop(Duration.ZERO));
  }

  @Test
  void listenAfterFirstAnswerBindsWhenNoRequestCameWithinTheDelay() throws Exception {
    await(sidecar.identity().start());
    sidecar.startInProcess();

    await(sidecar.listenAfterFirstAnswer("127.0.0.1", 0, 0, Duration.ofMillis(1)));

    assertTrue(sidecar.port() > 0, "bound without any request");
    await(sidecar.stop(Duration.ZERO));
  }

  @Test
  void aSidecarStoppedBeforeItsFirstAnswerNeverBindsItsListener() throws Exception {
    await(sidecar.identity().start());
    sidecar.startInProcess();
    Future<Void> listening = sidecar.listenAfterFirstAnswer("127.0.0.1", 0, 0, Duration.ofHours(1));

    await(sidecar.stop(Duration.ZERO));

    Throwable why =
        assertThrows(Exception.class, () -> await(listening), "a stopping sidecar does not listen");
    assertTrue(String.valueOf(why.getCause()).contains("stopping"), String.valueOf(why));
    assertEquals(-1, sidecar.port());
  }

  @Test
  void startInProcessNeedsTheIdentitysCertificateAndAWorkloadServedInProcess() {
    IllegalStateException noCert =
        assertThrows(IllegalStateException.class, sidecar::startInProcess);
    assertTrue(noCert.getMessage().contains("has no certificate yet"), noCert.getMessage());
    assertFalse(sidecar.takesInProcessRequests());
  }

  @Test
  void theMetersAreRegisteredAfterTheFirstAnswerWithItsMeasurementsInThem() throws Exception {
    await(sidecar.identity().start());
    sidecar.startInProcess();
    Future<Void> listening = sidecar.listenAfterFirstAnswer("127.0.0.1", 0, 0, Duration.ofHours(1));

    assertEquals(List.of(), sidecarMeters(), "nothing registered on the cold request's path");
    HttpServer front =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      req.pause();
                      sidecar.serveInProcess(
                          req,
                          SpiffeId.component("skiff.local", "activator"),
                          Promise.<Void>promise().future());
                    })
                .listen(0, "127.0.0.1"));
    var answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.actualPort() + "/"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                BodyHandlers.ofString());
    assertEquals("in process", answer.body());
    await(listening);

    Counter ok = registry.find("skiff.sidecar.requests").tag("code", "200").counter();
    assertTrue(ok != null, "the first request's status counter: " + sidecarMeters());
    assertEquals(1.0, ok.count(), "the first request is counted");
    Timer latency = registry.find("skiff.sidecar.request.duration").timer();
    assertTrue(latency != null, "the duration timer: " + sidecarMeters());
    assertEquals(1, latency.count(), "the first request's duration is recorded");
    assertEquals(
        0.0,
        registry
            .find("skiff.sidecar.refusals")
            .tag("reason", "denied_by_policy")
            .counter()
            .count());
    assertTrue(registry.find("skiff.sidecar.certificate.expiry").gauge().value() > 0);
    await(sidecar.stop(Duration.ZERO));
    assertEquals(List.of(), sidecarMeters(), "removed on stop");
  }

  private List<String> sidecarMeters() {
    return registry.getMeters().stream()
        .map(m -> m.getId().getName())
        .filter(n -> n.startsWith("skiff.sidecar."))
        .sorted()
        .toList();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
