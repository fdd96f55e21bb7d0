package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static dev.skiff.nodeagent.NodePortFixture.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.PokeRequest;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.NodeKeys;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private final List<Stat> stats = new CopyOnWriteArrayList<>();
  private final List<String> pokes = new CopyOnWriteArrayList<>();
  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx =
        NodePortFixture.start(
            dir,
            b ->
                b.withRemoteNodes(RemoteInstances.NONE, stats::add, Demand.NONE)
                    .withEdgePokes((ns, rev) -> pokes.add(ns + "/" + rev)));
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void edgeWithATokenBoundToNoNodeBecomesTheActivatorAndGetsTheGatewaysCertificate()
      throws Exception {
    JsonNode t = fx.token("{}");
    EdgeLink link = link(t);
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
    JsonNode t = fx.token("{}");
    EdgeLink link = link(t);
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
    JsonNode t = fx.token("{\"node\":\"n1\"}");
    EdgeLink link = link(t);
    Throwable e = failure(link.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("cannot make a gateway or activator"), e.getMessage());
  }

  @Test
  void edgeTokenMakesAnEdgeButCannotRegisterANode() throws Exception {
    JsonNode t = fx.token("{\"for\":\"edge\"}");
    assertEquals("edge", t.path("for").asText(), t.toString());
    EdgeLink link = link(t);
    await(link.start());
    await(link.stop());
    Throwable e = failure(fx.smallAgent("n1", t).start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("is for edges and cannot register a node"), e.getMessage());
  }

  @Test
  void nodeTokenRegistersANodeButCannotMakeAnEdge() throws Exception {
    JsonNode t = fx.token("{\"for\":\"node\"}");
    RemoteNodeAgent agent = fx.smallAgent("n1", t);
    await(agent.start());
    await(agent.stop());
    Throwable e = failure(link(t).start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(
        e.getMessage().contains("is for nodes and cannot make a gateway or activator"),
        e.getMessage());
  }

  @Test
  void tokenForAnUnknownRoleOrAnEdgeBoundToANodeIsRefused() throws Exception {
    HttpResponse<String> unknown = fx.send("POST", "/v1/cluster/tokens", "{\"for\":\"gateway\"}");
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("node or edge"), unknown.body());
    HttpResponse<String> both =
        fx.send("POST", "/v1/cluster/tokens", "{\"for\":\"edge\",\"node\":\"n1\"}");
    assertEquals(400, both.statusCode(), both.body());
    assertTrue(both.body().contains("an edge token cannot be bound to node"), both.body());
  }

  @Test
  void onlyPlatformComponentsAnEdgeMayHoldAreSigned() throws Exception {
    JsonNode t = fx.token("{}");
    EdgeLink link = link(t);
    await(link.start());
    SpiffeId gateway = SpiffeId.component("skiff.local", "gateway");
    Throwable e = failure(link.sign("control-plane", NodeKeys.create(gateway).csrPem(), null));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("not a component an edge may hold"), e.getMessage());
    await(link.stop());
  }

  @Test
  void aNodesCertificateCannotPoke() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent = fx.smallAgent("n1", t);
    await(agent.start());
    GrpcClient client = fx.clientAs(agent.credentials());
    Throwable e =
        failure(
            Calls.unary(
                client,
                fx.nodePort(),
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

  private EdgeLink link(JsonNode t) {
    return EdgeLink.builder()
        .withVertx(fx.vertx())
        .withControlPlane("127.0.0.1", fx.cp().nodePort().actualPort())
        .withControlPlaneCa(t.path("caBundle").asText())
        .withBootstrapToken(t.path("token").asText())
        .withEdgeName("e1")
        .withStatsInterval(Duration.ofMillis(100))
        .build();
  }
}
