package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.node.v1.InstanceState;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.internal.nodes.NodeRecords;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose connection to a real node port closes loses its stored instance report at once, so
 * processes following the store (edges' {@code ClusterView}) drop its endpoints long before its
 * lease (a minute here) runs out; the node reporting again stores it again; a control plane that
 * stops clears nothing.
 */
class NodeDisconnectTest {
  private static final String ADMIN = "skiff_test-admin-token";
  private static final String KEY = NodeRecords.INSTANCES + "n1";

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStore store;
  private ControlPlane cp;
  private String token;
  private String ca;

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
                .withNodePort("127.0.0.1", 0, Duration.ofSeconds(60))
                .build()
                .start());
    JsonNode t = api("POST", "/v1/cluster/tokens", "{}");
    token = t.path("token").asText();
    ca = t.path("caBundle").asText();
  }

  @AfterEach
  void stop() throws Exception {
    if (cp != null) {
      await(cp.stop());
    }
    await(store.close());
    await(vertx.close());
  }

  @Test
  void killedNodesReportLeavesTheStoreAtOnceAndComesBackWithItsNextReport() throws Exception {
    RemoteNodeAgent first = startedAgent();
    await(first.work().reportInstances(List.of(ready("i1", 9000))));
    assertTrue(stored(), "the report is stored");

    // The agent's connection closes (as when its process is killed: the kernel resets it).
    await(first.stop());
    poll(() -> !stored(), "the disconnected node's stored report is withdrawn");
    JsonNode node = api("GET", "/v1/cluster/nodes/n1", null);
    assertTrue(node.path("ready").asBoolean(), "well within its lease: " + node);

    // Back: it reports again and is followed again.
    RemoteNodeAgent second = startedAgent();
    await(second.work().reportInstances(List.of(ready("i2", 9001))));
    poll(this::stored, "the returning node's report is stored again");
    await(second.stop());
  }

  @Test
  void controlPlaneStoppingLeavesNodesReportsInTheStore() throws Exception {
    RemoteNodeAgent agent = startedAgent();
    await(agent.work().reportInstances(List.of(ready("i1", 9000))));
    assertTrue(stored(), "the report is stored");

    await(cp.stop());
    cp = null;
    await(agent.stop());
    assertTrue(stored(), "edges keep serving a node's instances through a control-plane restart");
  }

  private RemoteNodeAgent startedAgent() throws Exception {
    CountDownLatch watching = new CountDownLatch(1);
    RemoteNodeAgent agent =
        RemoteNodeAgent.builder()
            .withVertx(vertx)
            .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
            .withNodeName("n1")
            .withControlPlaneCa(ca)
            .withBootstrapToken(token)
            .withCapacity(2000, 4L << 30)
            .withAdvertiseAddress("127.0.0.2")
            .onAssignments(set -> watching.countDown())
            .build();
    await(agent.start());
    assertTrue(watching.await(20, TimeUnit.SECONDS), "the agent's assignment watch opened");
    return agent;
  }

  private boolean stored() {
    try {
      return await(store.get(KEY)).isPresent();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static InstanceStatus ready(String id, int port) {
    return InstanceStatus.newBuilder()
        .setNamespace("default")
        .setRevision("hello-00001")
        .setInstance(id)
        .setState(InstanceState.INSTANCE_STATE_READY)
        .setEndpoint("127.0.0.2:" + port)
        .setIdentity("spiffe://skiff.local/ns/default/svc/hello")
        .build();
  }

  private JsonNode api(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.actualPort() + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return Json.mapper().readTree(r.body());
  }

  private void poll(Supplier<Boolean> condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 20 s: " + what);
      }
      Thread.sleep(10);
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
