package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static dev.skiff.nodeagent.NodePortFixture.poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.node.v1.LagReport;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.TriggerLag;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Future;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
  private final List<String> lags = new CopyOnWriteArrayList<>();
  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx =
        NodePortFixture.start(
            dir,
            b ->
                b.withRemoteNodes(RemoteInstances.NONE, s -> {}, Demand.NONE)
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
                                    + threshold)));
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void aDispatchersLagReachesTheControlPlaneAsEventing() throws Exception {
    JsonNode t = fx.token("{}");
    EventingLink link = link(t);
    await(link.start());
    link.lag("default", "event", "orders", 42, 3, 10);
    poll(() -> lags.contains("ev1 default/orders -> event lag 42 over 3 per 10"), lags);
    await(link.stop());
  }

  @Test
  void tokenBoundToANodeCannotMakeEventing() throws Exception {
    JsonNode t = fx.token("{\"node\":\"n1\"}");
    EventingLink link = link(t);
    Throwable e = failure(link.start());
    assertInstanceOf(RefusedException.class, e);
  }

  @Test
  void aNodesCertificateCannotReportLag() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent = fx.smallAgent("n1", t);
    await(agent.start());
    GrpcClient client = fx.clientAs(agent.credentials());
    Throwable e = failure(reportLag(client, "ev1", "default", 5));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("only eventing reports lag"), e.getMessage());
    assertEquals(List.of(), lags);
    await(client.close());
    await(agent.stop());
  }

  @Test
  void malformedLagIsRefusedNamingTheField() throws Exception {
    JsonNode t = fx.token("{}");
    EventingLink link = link(t);
    await(link.start());
    // The link's own client, with eventing's certificate, sending what a dispatcher never would.
    GrpcClient client = fx.clientAs(link.credentials());
    Throwable e = failure(reportLag(client, "ev1", "Not_A_Label", 5));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("triggers[0]"), e.getMessage());
    e = failure(reportLag(client, "ev1", "default", -1));
    assertEquals(GrpcStatus.INVALID_ARGUMENT, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("lag -1"), e.getMessage());
    assertEquals(List.of(), lags);
    await(link.stop());
  }

  private Future<?> reportLag(GrpcClient client, String name, String namespace, long lag) {
    return Calls.unary(
        client,
        fx.nodePort(),
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

  private EventingLink link(JsonNode t) {
    return EventingLink.builder()
        .withVertx(fx.vertx())
        .withControlPlane("127.0.0.1", fx.cp().nodePort().actualPort())
        .withControlPlaneCa(t.path("caBundle").asText())
        .withBootstrapToken(t.path("token").asText())
        .withName("ev1")
        .withReportInterval(Duration.ofMillis(100))
        .build();
  }
}
