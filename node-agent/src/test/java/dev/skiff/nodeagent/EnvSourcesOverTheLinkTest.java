package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets and config maps for a remote node's instances, over the real node port: a node gets the
 * values its assigned revisions take env from, and nothing else: not another node's revision's
 * secret, not a secret no assigned revision names.
 */
class EnvSourcesOverTheLinkTest {
  private static final String PASSWORD = "s3cret-for-the-node";

  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx = NodePortFixture.start(dir);
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void aNodeReadsOnlyTheSecretsAndConfigMapsItsAssignmentsName() throws Exception {
    fx.api(
        "POST",
        "/v1/namespaces/default/secrets",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},"
            + "\"stringData\":{\"password\":\""
            + PASSWORD
            + "\"}}");
    fx.api(
        "POST",
        "/v1/namespaces/default/secrets",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"other\"},"
            + "\"stringData\":{\"key\":\"not-for-nodes\"}}");
    fx.api(
        "POST",
        "/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"},"
            + "\"data\":{\"MODE\":\"fast\"}}");
    JsonNode t = fx.token("{}");
    RemoteNodeAgent n1 = fx.agent("n1", t);
    await(n1.start());
    fx.api(
        "POST",
        "/v1/namespaces/default/services",
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"registry.example/hello:1",
           "envValueFrom":{"DB_PASSWORD":{"secret":"db","key":"password"}},
           "envFrom":[{"configMap":"settings"},{"secret":"absent","optional":true}],
           "annotations":{"autoscaling.knative.dev/min-scale":"1"}}}}""");
    awaitAssigned(n1);
    RemoteNodeAgent n2 = fx.agent("n2", t);
    await(n2.start()); // after placement: hello's one instance stays on n1

    WorkCalls assigned = n1.work();
    assertEquals(
        Optional.of(Map.of("password", PASSWORD)),
        await(assigned.envSource("default", true, "db")));
    assertEquals(
        Optional.of(Map.of("MODE", "fast")),
        await(assigned.envSource("default", false, "settings")));
    assertEquals(Optional.empty(), await(assigned.envSource("default", true, "absent")));

    // A secret no assigned revision names: refused, whether or not it exists.
    Throwable other = failure(assigned.envSource("default", true, "other"));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(other));
    assertTrue(
        other.getMessage().contains("takes env from secret default/other"), other.getMessage());
    assertTrue(!other.getMessage().contains("not-for-nodes"), other.getMessage());

    // Another node's revision's secret: refused.
    Throwable foreign = failure(n2.work().envSource("default", true, "db"));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(foreign));
    assertTrue(
        foreign.getMessage().contains("no revision assigned to node n2"), foreign.getMessage());
    assertTrue(!foreign.getMessage().contains(PASSWORD), foreign.getMessage());

    // The same name as a config map is another source: refused.
    Throwable kind = failure(assigned.envSource("default", false, "db"));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(kind));
    await(n1.stop());
    await(n2.stop());
  }

  private static void awaitAssigned(RemoteNodeAgent node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.assignments() == null || node.assignments().getAssignmentsCount() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing assigned to " + node.nodeName() + " in 30 s");
      }
      Thread.sleep(20);
    }
  }
}
