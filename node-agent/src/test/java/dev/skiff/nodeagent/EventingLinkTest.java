package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.node.v1.LagReport;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.TriggerLag;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.NodeClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An eventing process's link to a real control plane's node port (TLS 1.3, gRPC, embedded store): a
 * token bound to no node buys eventing's identity, and the dispatcher's lag per trigger reaches the
 * control plane's lag reports; a node-bound token, a node's certificate and malformed lag are
 * refused with the reason.
 */
class EventingLinkTest {
  private static final String ADMIN = "skiff_test-admin-token";

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> lags = new CopyOnWriteArrayList<>();
  private EmbeddedStore store;
  private ControlPlane cp;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    cp =
        await(
            ControlPlane.builder()
                .withVertx(vertx)
                .withStore(store)
                .withBlobDir(dir.resolve("blobs"))
                .withPort(0)
                .withAdminToken(ADMIN)
                .withNodePort("127.0.0.1", 0, Duration.ofSeconds(10))
                .withRemoteNodes(RemoteInstances.NONE, s -> {}, Demand.NONE)
                .withLagReports(
                    (dispatcher, ns, svc, trigger, lag, partitions, threshold) ->
                        lags.add(
                            dispatcher
                                + " "
                                + ns
                                + "/"
                                + trigger
                                + " -> "
                                + svc
                                + " lag "
                                + lag
                                + " over "
                                + partitions
                                + " per "
                                + threshold))
                .build()
                .start());
  }

  @AfterEach
  void stop() throws Exception {
    await(cp.stop());
    await(store.close());
    await(vertx.close());
  }

  @Test
  void aDispatchersLagReachesTheControlPlaneAsEventing() throws Exception {
    JsonNode t = token("{}");
    EventingLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    link.lag("default", "event", "orders", 42, 3, 10);
    poll(() -> lags.contains("ev1 default/orders -> event lag 42 over 3 per 10"), lags);
    await(link.stop());
  }

  @Test
  void tokenBoundToANodeCannotMakeEventing() throws Exception {
    JsonNode t = token("{\"node\":\"n1\"}");
    EventingLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    Throwable e = failure(link.start());
    assertInstanceOf(RefusedException.class, e);
  }

  @Test
  void aNodesCertificateCannotReportLag() throws Exception {
    JsonNode t = token("{}");
    RemoteNodeAgent agent =
        RemoteNodeAgent.builder()
            .withVertx(vertx)
            .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
            .withNodeName("n1")
            .withControlPlaneCa(t.path("caBundle").asText())
            .withBootstrapToken(t.path("token").asText())
            .withCapacity(1000, 1L << 30)
            .build();
    await(agent.start());
    NodeCredentials c = agent.credentials();
    GrpcClient client =
        NodeClients.create(
            vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), Duration.ofSeconds(5));
    Throwable e = failure(reportLag(client, "ev1", "default", 5));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("only eventing reports lag"), e.getMessage());
    assertEquals(List.of(), lags);
    await(client.close());
    await(agent.stop());
  }

  @Test
  void malformedLagIsRefusedNamingTheField() throws Exception {
    JsonNode t = token("{}");
    EventingLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    // The link's own client, with eventing's certificate, sending what a dispatcher never would.
    GrpcClient client = eventingClient(link);
    Throwable e = failure(reportLag(client, "ev1", "Not_A_Label", 5));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("triggers[0]"), e.getMessage());
    e = failure(reportLag(client, "ev1", "default", -1));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("lag -1"), e.getMessage());
    assertEquals(List.of(), lags);
    await(link.stop());
  }

  private GrpcClient eventingClient(EventingLink link) {
    NodeCredentials c = link.credentials();
    return NodeClients.create(
        vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), Duration.ofSeconds(5));
  }

  private Future<?> reportLag(GrpcClient client, String name, String namespace, long lag) {
    return Calls.unary(
        client,
        SocketAddress.inetSocketAddress(cp.nodePort().actualPort(), "127.0.0.1"),
        "skiff.local",
        NodeServiceGrpcClient.ReportLag,
        LagReport.newBuilder()
            .setDispatcherName(name)
            .addTriggers(
                TriggerLag.newBuilder()
                    .setNamespace(namespace)
                    .setService("event")
                    .setTrigger("orders")
                    .setLag(lag)
                    .setPartitions(1)
                    .setLagThreshold(10))
            .build(),
        5000);
  }

  private EventingLink link(String token, String ca) {
    return EventingLink.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withControlPlaneCa(ca)
        .withBootstrapToken(token)
        .withName("ev1")
        .withReportInterval(Duration.ofMillis(100))
        .build();
  }

  private JsonNode token(String body) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + cp.actualPort() + "/v1/cluster/tokens"))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return Json.mapper().readTree(r.body());
  }

  private static void poll(Supplier<Boolean> condition, Object state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s: " + state);
      }
      Thread.sleep(10);
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got success");
  }
}
