package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The concurrency limit, the instance stats, drain on stop and PERMISSIVE mode. */
class SidecarLimitsIT {
  @TempDir Path dir;
  private SidecarFixture f;
  private HttpClientAgent client;

  @AfterEach
  void stop() {
    if (client != null) {
      await(client.close());
    }
    if (f != null) {
      f.releaseSlow();
      f.close();
    }
  }

  @Test
  void queuesUpToTheDepthThenAnswers503AndCountsQueuedRequestsInTheStats() throws Exception {
    start(b -> b.withContainerConcurrency(1).withQueueDepth(1));

    Future<Integer> first = get("/slow");
    eventually("the first request reached the workload", () -> f.slowHeld() == 1);
    Future<Integer> second = get("/slow");
    eventually("the second request waits and is counted", () -> f.sidecar.stats().inFlight() == 2);
    int third = await(get("/slow"));

    assertEquals(503, third);
    assertEquals(1, f.slowHeld(), "the waiting request has not reached the workload");
    f.releaseHeld();
    eventually("the waiting request reached the workload", () -> f.slowHeld() == 1);
    f.releaseSlow();
    assertEquals(200, await(first));
    assertEquals(200, await(second));
    eventually("nothing in flight", () -> f.sidecar.stats().inFlight() == 0);
    InstanceStats.Window w = f.sidecar.stats().drain();
    assertEquals(3, w.requests());
    assertEquals(3, w.peakConcurrency(), "the refused request was counted while it was refused");
    assertEquals(1, f.requests(503));
  }

  @Test
  void drainsInFlightRequestsAndRefusesNewConnectionsOnStop() throws Exception {
    start(b -> b.withDrainGrace(Duration.ofSeconds(30)));
    Future<Integer> inFlight = get("/slow");
    eventually("the request reached the workload", () -> f.slowHeld() == 1);

    Future<Void> stopped = f.sidecar.stop();
    Path id = f.ca.writeIdentity(dir, SpiffeId.component("skiff.local", "gateway"));
    eventually(
        "new connections are refused", () -> !curlRaw(id, f.sidecar.port()).contains("HTTP/"));
    assertFalse(stopped.isComplete(), "stop waits for the request in flight");
    f.releaseSlow();

    assertEquals(200, await(inFlight));
    await(stopped);
  }

  @Test
  void permissiveAcceptsPlaintextButTheDefaultPolicyStillDeniesIt() throws Exception {
    start(b -> b.withTlsMode(TlsMode.PERMISSIVE));

    String out =
        ExternalClient.curl("http://127.0.0.1:" + f.sidecar.plaintextPort() + "/").run().output();

    assertTrue(out.matches("(?s)HTTP/[0-9.]+ 403.*"), out);
    assertTrue(out.contains("without a client certificate"), out);
  }

  @Test
  void permissiveWithAnOpenPolicyServesPlaintext() throws Exception {
    start(b -> b.withTlsMode(TlsMode.PERMISSIVE).withPolicy(AuthorizationPolicy.of(List.of("*"))));

    String out =
        ExternalClient.curl("http://127.0.0.1:" + f.sidecar.plaintextPort() + "/").run().output();

    assertTrue(out.matches("(?s)HTTP/[0-9.]+ 200.*"), out);
    assertTrue(out.contains("seen-client-cert: none"), out);
  }

  @Test
  void strictHasNoPlaintextPort() {
    start(b -> b);
    assertEquals(-1, f.sidecar.plaintextPort());
  }

  private void start(UnaryOperator<Sidecar.Builder> settings) {
    f = new SidecarFixture(settings);
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

  private static String curlRaw(Path id, int port) {
    try {
      return ExternalClient.curl("https://127.0.0.1:" + port + "/")
          .maxTime(5)
          .identity(id)
          .run()
          .output();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
