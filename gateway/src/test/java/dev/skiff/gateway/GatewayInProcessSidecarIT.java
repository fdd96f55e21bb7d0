package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.Sidecar;
import dev.skiff.meshproxy.testing.WorkloadSidecar;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway entering real mesh-proxy sidecars of its own process in process ({@link
 * LocalInstances}, as skiffd wires it): the sidecar authorizes the gateway's identity, limits,
 * counts and drains as it does for a request over mutual TLS, and endpoints the process does not
 * serve are still called over the socket.
 */
class GatewayInProcessSidecarIT extends GatewayMeshTestBase {

  /** The sidecars this "process" runs, by port: what skiffd's MeshFronts knows. */
  private final Map<Integer, Sidecar> local = new ConcurrentHashMap<>();

  private final List<WorkloadSidecar> workloadSidecars = new ArrayList<>();
  private final List<Sidecar> sidecars = new ArrayList<>();

  /** Requests held by an in-process workload, answered when the test says. */
  private final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void gatewayIdentity() {
    startIdentity(b -> b.withTtl(Duration.ofHours(1)));
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withUpstreamTls(identity.upstreamTls()).withLocalInstances(this::find);
  }

  /** As skiffd's MeshFronts: the node's address, a sidecar of this process, its exact identity. */
  private LocalInstances.LocalInstance find(Endpoint endpoint) {
    Sidecar s = local.get(endpoint.port());
    if (s == null
        || !"127.0.0.1".equals(endpoint.host())
        || !s.identity().id().uri().equals(endpoint.identity())
        || !s.takesInProcessRequests()) {
      return null;
    }
    return (request, cancellation) -> s.serveInProcess(request, GATEWAY, cancellation);
  }

  @AfterEach
  void stopSidecars() {
    held.forEach(r -> r.response().end());
    held.clear();
    workloadSidecars.forEach(WorkloadSidecar::close);
    sidecars.forEach(s -> await(s.stop(Duration.ZERO)));
  }

  /** A container-like workload: a sidecar forwarding to a plaintext server at an address. */
  private WorkloadSidecar containerSidecar(String service, boolean inThisProcess) {
    WorkloadSidecar s = new WorkloadSidecar(vertx, ca, SpiffeId.workload(TD, NS, service));
    workloadSidecars.add(s);
    if (inThisProcess) {
      local.put(s.port(), s.sidecar);
    }
    return s;
  }

  /** A Wasm-like workload served in process, holding requests to /hold until the test ends them. */
  private Sidecar wasmSidecar(String service, UnaryOperator<Sidecar.Builder> settings) {
    SpiffeId id = SpiffeId.workload(TD, NS, service);
    Sidecar s =
        settings
            .apply(
                Sidecar.builder()
                    .withVertx(vertx)
                    .withIdentity(
                        IdentityProvider.builder()
                            .withVertx(vertx)
                            .withIdentity(id)
                            .withIssuer(ca.issuer())
                            .withTtl(Duration.ofHours(1))
                            .build())
                    .withRevision(RevisionKey.of(NS, service + "-00001"))
                    .withWorkload(this::wasm)
                    .withMeterRegistry(new SimpleMeterRegistry()))
            .build();
    await(s.start("127.0.0.1", 0));
    sidecars.add(s);
    local.put(s.port(), s);
    return s;
  }

  private void wasm(HttpServerRequest req) {
    if (req.path().equals("/hold")) {
      held.add(req);
      return;
    }
    req.response()
        .putHeader("seen-client-cert", String.valueOf(req.getHeader("x-forwarded-client-cert")))
        .putHeader("x-request-id", "the-workloads-own")
        .end("wasm ok");
  }

  private void route(String service, int port) {
    String revision = service + "-00001";
    endpoints.publish(
        NS, revision, new Endpoint("127.0.0.1", port, SpiffeId.workload(TD, NS, service).uri()));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, service, Services.to(revision, 100))));
  }

  @Test
  void entersASidecarOfThisProcessInProcessAndAnyOtherOverTheSocket() {
    WorkloadSidecar cart = containerSidecar("cart", true);
    WorkloadSidecar ledger = containerSidecar("ledger", false);
    route("cart", cart.port());
    route("ledger", ledger.port());

    for (int i = 0; i < 5; i++) {
      Response r = get(host("cart"), "/");
      assertEquals(200, r.status(), r.body().toString());
      assertEquals("workload ok", r.body().toString());
    }
    Response other = get(host("ledger"), "/");

    assertEquals(200, other.status(), other.body().toString());
    assertEquals(5, cart.seen.get());
    assertEquals("By=" + cart.id.uri() + ";URI=" + GATEWAY.uri(), cart.callers.peek());
    assertEquals(1, ledger.seen.get());
    assertEquals("By=" + ledger.id.uri() + ";URI=" + GATEWAY.uri(), ledger.callers.peek());
    assertEquals(5, handoffs("in_process"));
    assertEquals(1, handoffs("socket"));
  }

  @Test
  void aWorkloadInProcessSeesTheGatewayAndTheClientGetsTheGatewaysOwnHeaders() {
    wasmSidecar("hello", b -> b);
    route("hello", sidecars.get(0).port());

    Response r = get(host("hello"), "/");

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("wasm ok", r.body().toString());
    assertEquals(
        "By=" + SpiffeId.workload(TD, NS, "hello").uri() + ";URI=" + GATEWAY.uri(),
        r.header("seen-client-cert"));
    List<String> ids = r.headers().getAll("x-request-id");
    assertEquals(1, ids.size(), "one request id: " + ids);
    assertTrue(!ids.get(0).equals("the-workloads-own"), "the gateway's id, not the workload's");
    assertEquals(List.of("hello-00001"), r.headers().getAll("x-skiff-revision"));
  }

  @Test
  void aPolicyThatLeavesTheGatewayOutAnswers403WithTheJsonBodyInProcessToo() {
    WorkloadSidecar cart = containerSidecar("cart", true);
    cart.sidecar.updatePolicy(
        AuthorizationPolicy.of(List.of("spiffe://skiff.local/ns/shop/svc/*")));
    route("cart", cart.port());

    Response r = get(host("cart"), "/");

    assertEquals(403, r.status(), r.body().toString());
    JsonObject body = new JsonObject(r.body());
    assertTrue(
        body.getString("error").contains("caller " + GATEWAY.uri() + " is not allowed"),
        body.encode());
    assertTrue(body.getString("hint").contains("skiff deploy --allow"), body.encode());
    assertEquals(0, cart.seen.get(), "the workload never sees the request");
    assertEquals(1, handoffs("in_process"));
  }

  @Test
  void theSidecarLimitsAndCountsRequestsEnteredInProcess() {
    Sidecar s = wasmSidecar("slow", b -> b.withContainerConcurrency(1).withQueueDepth(0));
    route("slow", s.port());

    Future<Response> first = get(http1, host("slow"), "/hold");
    eventually("the first request reaches the workload", () -> held.size() == 1);
    assertEquals(1, s.stats().inFlight(), "counted in the instance's stats");

    Response second = get(host("slow"), "/");

    assertEquals(503, second.status(), second.body().toString());
    assertNotNull(second.header("retry-after"));
    held.poll().response().end("done");
    assertEquals(200, await(first).status());
    eventually("the stats let it go", () -> s.stats().inFlight() == 0);
    assertEquals(2, handoffs("in_process"));
  }

  @Test
  void aStoppingSidecarAnswers503AfterItsDrainGraceAndIsNoLongerEnteredInProcess() {
    Sidecar s = wasmSidecar("draining", b -> b.withDrainGrace(Duration.ofMillis(200)));
    route("draining", s.port());
    Future<Response> inFlight = get(http1, host("draining"), "/hold");
    eventually("the request reaches the workload", () -> held.size() == 1);

    Future<Void> stopped = s.stop();

    Response r = await(inFlight);
    assertEquals(503, r.status(), r.body().toString());
    assertNotNull(r.header("retry-after"));
    assertTrue(
        r.body().toString().contains("the instance stopped before answering"), r.body().toString());
    await(stopped);
    sidecars.remove(s);
    held.clear(); // answered by the sidecar
    assertNull(find(new Endpoint("127.0.0.1", s.port(), s.identity().id().uri())));
    // Nothing in process any more: the gateway calls the address, as for any endpoint, and the
    // stopped listener refuses it.
    Response after = get(host("draining"), "/");
    assertEquals(502, after.status(), after.body().toString());
    assertEquals(1, handoffs("in_process"));
    assertEquals(1, handoffs("socket"));
  }

  private double handoffs(String path) {
    Counter c = registry.find("skiff.gateway.upstream.handoffs").tags("path", path).counter();
    return c == null ? 0 : c.count();
  }
}
