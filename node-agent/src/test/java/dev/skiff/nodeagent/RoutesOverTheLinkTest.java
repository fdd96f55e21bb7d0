package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.model.Service;
import dev.skiff.api.node.v1.InstanceState;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node learns what its mesh callers route by over the real node port (WatchRoutes): every
 * service's routing part (not its template), and another node's ready instance with the identity it
 * presents, withdrawn when that node goes away.
 */
class RoutesOverTheLinkTest {
  private static final String IDENTITY = "spiffe://skiff.local/ns/default/svc/hello";

  /** Longer than any wait here: a node's endpoints go when its connection closes, not its lease. */
  private static final Duration LEASE = Duration.ofSeconds(120);

  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx = NodePortFixture.start(dir, LEASE, b -> b.withRevisionStatusFromNodes(true));
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void aNodeLearnsServicesAndAnotherNodesReadyInstancesWithTheirIdentities() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent callee = agent("n1", t);
    await(callee.start());
    // n1 follows the routes too, as every node does, on the same connection as its assignments.
    RouteFeed calleeFeed =
        new RouteFeed(fx.vertx(), callee.work(), ev -> {}, new EndpointRegistry(fx.vertx()));
    calleeFeed.start();
    deploy();
    awaitTrue(
        () -> callee.assignments() != null && callee.assignments().getAssignmentsCount() == 1,
        "hello assigned to n1");
    String instance = callee.assignments().getAssignments(0).getInstance();
    await(
        callee
            .work()
            .reportInstances(
                List.of(
                    InstanceStatus.newBuilder()
                        .setNamespace("default")
                        .setRevision("hello-00001")
                        .setInstance(instance)
                        .setState(InstanceState.INSTANCE_STATE_READY)
                        .setEndpoint("127.0.0.1:4567")
                        .setIdentity(IDENTITY)
                        .build())));

    RemoteNodeAgent caller = agent("n2", t);
    await(caller.start());
    Map<String, ResourceEvent> services = new ConcurrentHashMap<>();
    EndpointRegistry registry = new EndpointRegistry(fx.vertx());
    RouteFeed feed =
        new RouteFeed(fx.vertx(), caller.work(), ev -> services.put(ev.key(), ev), registry);
    feed.start();

    awaitTrue(
        () -> !registry.ready("default", "hello-00001").isEmpty(), "n1's instance on n2's side");
    Endpoint e = registry.ready("default", "hello-00001").get(0);
    assertEquals("127.0.0.1", e.host());
    assertEquals(4567, e.port());
    assertEquals(IDENTITY, e.identity());
    assertEquals("n1/" + instance, e.instanceId());

    awaitTrue(
        () ->
            services.containsKey("/skiff/services/default/hello")
                && "hello-00001"
                    .equals(
                        services
                            .get("/skiff/services/default/hello")
                            .object()
                            .path("status")
                            .path("latestCreatedRevisionName")
                            .asText()),
        "hello's route on n2's side");
    ResourceEvent hello = services.get("/skiff/services/default/hello");
    assertEquals(ResourceEvent.Type.PUT, hello.type());
    assertEquals("hello", hello.object().path("metadata").path("name").asText());
    assertFalse(
        hello.object().path("spec").path("template").has("image"),
        "the image is not sent to other nodes: " + hello.object());
    // What routing reads binds to api's Service.
    Service bound = (Service) hello.resource();
    assertEquals("hello-00001", bound.status().latestCreatedRevisionName());
    assertEquals(Integer.valueOf(42), bound.spec().template().timeoutSeconds());

    // n1 goes away (its connection closes, long before its lease runs out): its instance is
    // withdrawn on n2's side.
    calleeFeed.stop();
    await(callee.stop());
    awaitTrue(() -> registry.ready("default", "hello-00001").isEmpty(), "n1's instance withdrawn");

    // The service deleted: its route goes.
    fx.api("DELETE", "/v1/namespaces/default/services/hello", null);
    awaitTrue(
        () -> services.get("/skiff/services/default/hello").type() == ResourceEvent.Type.DELETE,
        "hello's route deleted");
    feed.stop();
    await(caller.stop());
  }

  private void deploy() throws Exception {
    fx.api(
        "POST",
        "/v1/namespaces/default/services",
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"registry.example/hello:1","timeoutSeconds":42,
           "annotations":{"autoscaling.knative.dev/min-scale":"1"}}}}""");
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached in 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private RemoteNodeAgent agent(String name, JsonNode token) {
    return fx.agentBuilder(name, token.path("token").asText(), token.path("caBundle").asText())
        .withAdvertiseAddress("127.0.0.1")
        .build();
  }
}
