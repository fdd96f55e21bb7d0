package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.controlplane.nodes.ReportedInstance;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Remote nodes' reports mirrored into the endpoint registry the gateway and activator read. */
class RemoteEndpointsTest {
  private static final String ID = "spiffe://skiff.local/ns/default/svc/hello";

  private final Vertx vertx = Vertx.vertx();
  private final EndpointRegistry registry = new EndpointRegistry(vertx);
  private final RemoteEndpoints remote = new RemoteEndpoints(() -> registry);

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void readyInstancesOfAReportBecomeEndpointsWithTheirIdentity() {
    remote.reported(
        "n1",
        List.of(
            ready("n1", "a", "127.0.0.2", 4001),
            new ReportedInstance("n1", "default", "hello-00001", "b", "STARTING", null, 0, null)));
    assertEquals(
        List.of(new Endpoint("n1/a", "127.0.0.2", 4001, ID)),
        registry.ready("default", "hello-00001"));
  }

  @Test
  void aLaterReportReplacesTheNodesEndpoints() {
    remote.reported("n1", List.of(ready("n1", "a", "127.0.0.2", 4001)));
    remote.reported("n2", List.of(ready("n2", "a", "127.0.0.3", 4001)));
    remote.reported("n1", List.of(ready("n1", "c", "127.0.0.2", 4002)));
    assertEquals(
        List.of("n2/a", "n1/c"),
        registry.ready("default", "hello-00001").stream().map(Endpoint::instanceId).toList());
  }

  @Test
  void aLostNodeLosesEveryEndpointAtOnceAndOthersKeepTheirs() {
    remote.reported(
        "n1", List.of(ready("n1", "a", "127.0.0.2", 4001), ready("n1", "b", "127.0.0.2", 4002)));
    remote.reported("n2", List.of(ready("n2", "a", "127.0.0.3", 4001)));
    remote.lost("n1");
    assertEquals(
        List.of("n2/a"),
        registry.ready("default", "hello-00001").stream().map(Endpoint::instanceId).toList());
    assertEquals(1, remote.instances("default", "hello").size());
  }

  private static ReportedInstance ready(String node, String id, String host, int port) {
    return new ReportedInstance(node, "default", "hello-00001", id, "READY", host, port, ID);
  }
}
