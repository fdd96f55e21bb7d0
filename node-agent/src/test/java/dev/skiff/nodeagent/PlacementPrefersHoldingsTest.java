package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node says it holds reaches placement over the real node port: a node holding the image
 * gets the instance over one with more CPU free, and a holding no node could have is refused.
 */
class PlacementPrefersHoldingsTest {
  private static final String ADMIN = "skiff_test-admin-token";
  private static final String IMAGE = "registry.example/hello:1";

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
  void theNodeHoldingTheImageGetsTheInstance() throws Exception {
    JsonNode t = api("POST", "/v1/cluster/tokens", "{}");
    // Without the preference, n1 (more CPU free) would win.
    RemoteNodeAgent n1 = agent("n1", t, 4000, Set.of("sha256:" + "b".repeat(64)));
    RemoteNodeAgent n2 = agent("n2", t, 2000, Set.of(IMAGE));
    await(n1.start());
    await(n2.start());
    api(
        "POST",
        "/v1/namespaces/default/services",
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"%s",
           "annotations":{"autoscaling.knative.dev/min-scale":"1"}}}}"""
            .formatted(IMAGE));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (count(n1) + count(n2) == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("hello's instance not placed in 30 s");
      }
      Thread.sleep(20);
    }
    assertEquals(List.of(0, 1), List.of(count(n1), count(n2)), "placed on n2, which holds it");
    await(n1.stop());
    await(n2.stop());
  }

  @Test
  void aHoldingThatIsNoReferenceIsRefused() throws Exception {
    JsonNode t = api("POST", "/v1/cluster/tokens", "{}");
    RemoteNodeAgent n1 = agent("n1", t, 2000, Set.of("not a reference"));
    Throwable e = failure(n1.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("cached[0]"), e.getMessage());
  }

  private static int count(RemoteNodeAgent n) {
    return n.assignments() == null ? 0 : n.assignments().getAssignmentsCount();
  }

  private RemoteNodeAgent agent(String name, JsonNode token, long cpu, Set<String> held) {
    return RemoteNodeAgent.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withNodeName(name)
        .withControlPlaneCa(token.path("caBundle").asText())
        .withBootstrapToken(token.path("token").asText())
        .withCapacity(cpu, 4L << 30)
        .withCached(() -> held)
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
