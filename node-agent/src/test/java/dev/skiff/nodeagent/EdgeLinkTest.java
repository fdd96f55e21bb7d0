package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.PokeRequest;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.NodeClients;
import dev.skiff.nodeagent.internal.NodeKeys;
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
import java.time.Instant;
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
 * An edge's link to a real control plane's node port (TLS 1.3, gRPC, embedded store): a token bound
 * to no node buys the activator's identity, which then signs the gateway's; the activator's stats
 * and pokes reach the control plane; a node-bound token, a node's certificate and a component other
 * than gateway, activator or eventing (the control plane's, here) are refused with the reason.
 */
class EdgeLinkTest {
  private static final String ADMIN = "skiff_test-admin-token";

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Stat> stats = new CopyOnWriteArrayList<>();
  private final List<String> pokes = new CopyOnWriteArrayList<>();
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
                .withRemoteNodes(RemoteInstances.NONE, stats::add, Demand.NONE)
                .withEdgePokes((ns, rev) -> pokes.add(ns + "/" + rev))
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
  void edgeWithATokenBoundToNoNodeBecomesTheActivatorAndGetsTheGatewaysCertificate()
      throws Exception {
    JsonNode t = token("{}");
    EdgeLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    SpiffeId gateway = SpiffeId.component("skiff.local", "gateway");
    IssuedCertificate c =
        await(link.sign("gateway", NodeKeys.create(gateway).csrPem(), Duration.ofHours(1)));
    assertEquals(gateway.uri(), c.spiffeId());
    assertTrue(c.trustBundle().contains("BEGIN CERTIFICATE"), c.trustBundle());
    await(link.stop());
  }

  @Test
  void activatorStatsAndPokesReachTheControlPlane() throws Exception {
    JsonNode t = token("{}");
    EdgeLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    RevisionKey rev = RevisionKey.of("default", "hello-00001");
    link.report(Stat.of(rev, Stat.ACTIVATOR, Instant.now(), 2.0, 3.0));
    link.poke("default", "hello-00001");
    poll(() -> pokes.contains("default/hello-00001"), pokes);
    poll(() -> !stats.isEmpty(), stats);
    assertEquals(rev, stats.get(0).revision());
    assertEquals(3.0, stats.get(0).requestCount());
    assertTrue(stats.get(0).fromActivator());
    await(link.stop());
  }

  @Test
  void tokenBoundToANodeCannotMakeAnEdge() throws Exception {
    JsonNode t = token("{\"node\":\"n1\"}");
    EdgeLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    Throwable e = failure(link.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("cannot make a gateway or activator"), e.getMessage());
  }

  @Test
  void edgeTokenMakesAnEdgeButCannotRegisterANode() throws Exception {
    JsonNode t = token("{\"for\":\"edge\"}");
    assertEquals("edge", t.path("for").asText(), t.toString());
    EdgeLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    await(link.stop());
    Throwable e = failure(agent("n1", t).start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("is for edges and cannot register a node"), e.getMessage());
  }

  @Test
  void nodeTokenRegistersANodeButCannotMakeAnEdge() throws Exception {
    JsonNode t = token("{\"for\":\"node\"}");
    RemoteNodeAgent agent = agent("n1", t);
    await(agent.start());
    await(agent.stop());
    Throwable e = failure(link(t.path("token").asText(), t.path("caBundle").asText()).start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(
        e.getMessage().contains("is for nodes and cannot make a gateway or activator"),
        e.getMessage());
  }

  @Test
  void tokenForAnUnknownRoleOrAnEdgeBoundToANodeIsRefused() throws Exception {
    HttpResponse<String> unknown = post("{\"for\":\"gateway\"}");
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("node or edge"), unknown.body());
    HttpResponse<String> both = post("{\"for\":\"edge\",\"node\":\"n1\"}");
    assertEquals(400, both.statusCode(), both.body());
    assertTrue(both.body().contains("an edge token cannot be bound to node"), both.body());
  }

  @Test
  void onlyPlatformComponentsAnEdgeMayHoldAreSigned() throws Exception {
    JsonNode t = token("{}");
    EdgeLink link = link(t.path("token").asText(), t.path("caBundle").asText());
    await(link.start());
    SpiffeId gateway = SpiffeId.component("skiff.local", "gateway");
    Throwable e = failure(link.sign("control-plane", NodeKeys.create(gateway).csrPem(), null));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("not a component an edge may hold"), e.getMessage());
    await(link.stop());
  }

  @Test
  void aNodesCertificateCannotPoke() throws Exception {
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
    Throwable e =
        failure(
            Calls.unary(
                client,
                SocketAddress.inetSocketAddress(cp.nodePort().actualPort(), "127.0.0.1"),
                "skiff.local",
                NodeServiceGrpcClient.Poke,
                PokeRequest.newBuilder().setNamespace("default").setRevision("x-00001").build(),
                5000));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("not a gateway or activator"), e.getMessage());
    assertEquals(List.of(), pokes);
    await(client.close());
    await(agent.stop());
  }

  private EdgeLink link(String token, String ca) {
    return EdgeLink.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withControlPlaneCa(ca)
        .withBootstrapToken(token)
        .withEdgeName("e1")
        .withStatsInterval(Duration.ofMillis(100))
        .build();
  }

  private RemoteNodeAgent agent(String name, JsonNode t) {
    return RemoteNodeAgent.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withNodeName(name)
        .withControlPlaneCa(t.path("caBundle").asText())
        .withBootstrapToken(t.path("token").asText())
        .withCapacity(1000, 1L << 30)
        .build();
  }

  private JsonNode token(String body) throws Exception {
    HttpResponse<String> r = post(body);
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return Json.mapper().readTree(r.body());
  }

  private HttpResponse<String> post(String body) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + cp.actualPort() + "/v1/cluster/tokens"))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
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
