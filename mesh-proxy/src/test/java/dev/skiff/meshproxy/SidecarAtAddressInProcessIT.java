package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.SidecarFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar of a workload at an address (a container) entered in process by a caller of the same
 * JVM (the activator): the request goes through the same policy, limit and stats to the workload
 * over the sidecar's own client, and never through the sidecar's TLS listener.
 */
class SidecarAtAddressInProcessIT {
  private final AtomicInteger entered = new AtomicInteger();
  private SidecarFixture f;
  private HttpClient plain;

  @AfterEach
  void stop() {
    if (f != null) {
      f.releaseSlow();
      f.close();
    }
  }

  @Test
  void forwardsARequestHandedOverInProcessToTheWorkloadWithoutAConnectionToItsListener() {
    start(b -> b);
    int front = inProcessFront();
    assertTrue(f.sidecar.takesInProcessRequests(), "a started sidecar at an address takes them");

    Response ok = get(front, "/", SpiffeId.workload("skiff.local", "shop", "checkout"));
    Response denied = get(front, "/", SpiffeId.workload("skiff.local", "billing", "ledger"));

    assertEquals(200, ok.status(), ok.body());
    assertEquals("backend ok", ok.body());
    assertEquals(
        "By=spiffe://skiff.local/ns/shop/svc/cart;URI=spiffe://skiff.local/ns/shop/svc/checkout",
        ok.clientCert(),
        "the workload learns who called, as over TLS");
    assertEquals(403, denied.status(), denied.body());
    assertEquals(1, entered.get(), "only the authorized request is counted for the autoscaler");
    assertEquals(0, f.sidecar.connections(), "no connection to the sidecar's listener");
  }

  @Test
  void startedWithoutItsListenerForwardsInProcessAtOnceAndListensWhenAsked() {
    start(b -> b);
    Sidecar late =
        Sidecar.builder()
            .withVertx(f.vertx)
            .withSharedIdentity(f.identity)
            .withRevision(SidecarFixture.REVISION)
            .withWorkload("127.0.0.1", f.backend.actualPort())
            .withMeterRegistry(f.registry)
            .build();
    try {
      late.startInProcess();
      assertTrue(late.takesInProcessRequests(), "takes requests before any listener is bound");
      int front = inProcessFront(late);

      Response ok = get(front, "/", SpiffeId.component("skiff.local", "activator"));

      assertEquals(200, ok.status(), ok.body());
      assertEquals("backend ok", ok.body());
      assertEquals(0, late.connections(), "no connection to a listener");
      assertTrue(late.port() <= 0, "no listener until asked for one");
      await(late.listen("127.0.0.1", 0, 0));
      assertTrue(late.port() > 0, "listens once asked");
    } finally {
      await(late.stop(Duration.ZERO));
    }
  }

  @Test
  void stopWaitsForARequestInFlightAtTheWorkloadAndTakesNoMore() {
    start(b -> b.withDrainGrace(Duration.ofSeconds(30)));
    int front = inProcessFront();
    Future<Response> slow =
        getAsync(front, "/slow", SpiffeId.component("skiff.local", "activator"));
    eventually("the request to reach the workload", () -> f.slowHeld() == 1);

    Future<Void> stopped = f.sidecar.stop();

    assertFalse(f.sidecar.takesInProcessRequests(), "a stopping sidecar takes no new request");
    assertFalse(stopped.isComplete(), "the request in flight holds the stop");
    f.releaseSlow();
    assertEquals(200, await(slow).status());
    await(stopped);
  }

  private record Response(int status, String body, String clientCert) {}

  private void start(java.util.function.UnaryOperator<Sidecar.Builder> settings) {
    f =
        new SidecarFixture(
            b ->
                settings.apply(
                    b.withRequestListener(
                        new RequestListener() {
                          @Override
                          public void entered(boolean proxied) {
                            entered.incrementAndGet();
                          }

                          @Override
                          public void left(boolean proxied) {}
                        })));
  }

  /** A plaintext listener standing for the activator: hands each request over in process. */
  private int inProcessFront() {
    return inProcessFront(f.sidecar);
  }

  private int inProcessFront(Sidecar sidecar) {
    return await(
            f.vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      req.pause();
                      SpiffeId caller = SpiffeId.parse(req.getHeader("x-test-caller"));
                      sidecar.serveInProcess(req, caller, Promise.<Void>promise().future());
                    })
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  private Response get(int port, String path, SpiffeId caller) {
    return await(getAsync(port, path, caller));
  }

  private Future<Response> getAsync(int port, String path, SpiffeId caller) {
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
                                            res.getHeader("seen-client-cert")))));
  }
}
