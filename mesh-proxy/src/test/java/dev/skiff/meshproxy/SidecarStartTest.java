package dev.skiff.meshproxy;

import static dev.skiff.meshproxy.testing.SidecarFixture.REVISION;
import static dev.skiff.meshproxy.testing.SidecarFixture.SELF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.testing.ManualTicker;
import dev.skiff.meshproxy.testing.TestCa;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
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
          .withMeterRegistry(new SimpleMeterRegistry())
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
    assertThrows(
        IOException.class,
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          }
        },
        "nothing listens any more");
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
  void startInProcessNeedsTheIdentitysCertificateAndAWorkloadServedInProcess() {
    IllegalStateException noCert =
        assertThrows(IllegalStateException.class, sidecar::startInProcess);
    assertTrue(noCert.getMessage().contains("has no certificate yet"), noCert.getMessage());
    assertFalse(sidecar.takesInProcessRequests());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
