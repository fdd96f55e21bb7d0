package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
  private static final String IMAGE = "registry.example/hello:1";

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
  void theNodeHoldingTheImageGetsTheInstance() throws Exception {
    JsonNode t = fx.token("{}");
    // Without the preference, n1 (more CPU free) would win.
    RemoteNodeAgent n1 = agent("n1", t, 4000, Set.of("sha256:" + "b".repeat(64)));
    RemoteNodeAgent n2 = agent("n2", t, 2000, Set.of(IMAGE));
    await(n1.start());
    await(n2.start());
    fx.api(
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
    JsonNode t = fx.token("{}");
    RemoteNodeAgent n1 = agent("n1", t, 2000, Set.of("not a reference"));
    Throwable e = failure(n1.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("cached[0]"), e.getMessage());
  }

  private static int count(RemoteNodeAgent n) {
    return n.assignments() == null ? 0 : n.assignments().getAssignmentsCount();
  }

  private RemoteNodeAgent agent(String name, JsonNode token, long cpu, Set<String> held) {
    return fx.agentBuilder(name, token.path("token").asText(), token.path("caBundle").asText())
        .withCapacity(cpu, 4L << 30)
        .withCached(() -> held)
        .build();
  }
}
