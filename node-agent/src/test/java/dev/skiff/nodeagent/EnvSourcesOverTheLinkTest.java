package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
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
  private static final String ADMIN = "skiff_test-admin-token";
  private static final String PASSWORD = "s3cret-for-the-node";

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
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
  void aNodeReadsOnlyTheSecretsAndConfigMapsItsAssignmentsName() throws Exception {
    api(
        "POST",
        "/v1/namespaces/default/secrets",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},"
            + "\"stringData\":{\"password\":\""
            + PASSWORD
            + "\"}}");
    api(
        "POST",
        "/v1/namespaces/default/secrets",
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"other\"},"
            + "\"stringData\":{\"key\":\"not-for-nodes\"}}");
    api(
        "POST",
        "/v1/namespaces/default/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"settings\"},"
            + "\"data\":{\"MODE\":\"fast\"}}");
    JsonNode t = api("POST", "/v1/cluster/tokens", "{}");
    RemoteNodeAgent n1 = agent("n1", t);
    await(n1.start());
    api(
        "POST",
        "/v1/namespaces/default/services",
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"registry.example/hello:1",
           "envValueFrom":{"DB_PASSWORD":{"secret":"db","key":"password"}},
           "envFrom":[{"configMap":"settings"},{"secret":"absent","optional":true}],
           "annotations":{"autoscaling.knative.dev/min-scale":"1"}}}}""");
    awaitAssigned(n1);
    RemoteNodeAgent n2 = agent("n2", t);
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

  private RemoteNodeAgent agent(String name, JsonNode token) {
    return RemoteNodeAgent.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withNodeName(name)
        .withControlPlaneCa(token.path("caBundle").asText())
        .withBootstrapToken(token.path("token").asText())
        .withCapacity(2000, 4L << 30)
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
