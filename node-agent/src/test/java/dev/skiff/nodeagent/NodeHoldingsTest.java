package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.node.container.ContainerImage;
import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeHoldingsTest {
  private static final String DIGEST = "sha256:" + "c".repeat(64);

  @Test
  void anImageIsHeldAsAskedAndPinnedToItsDigest() throws Exception {
    NodeHoldings h = new NodeHoldings();
    var source =
        h.images(
            ref ->
                Future.succeededFuture(
                    new ContainerImage(ref, DIGEST, List.of(), null, null, null, null, null)));
    source
        .image("127.0.0.1:5000/examples/hello:1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
    assertEquals(
        Set.of("127.0.0.1:5000/examples/hello:1", "127.0.0.1:5000/examples/hello@" + DIGEST),
        h.held());
  }

  @Test
  void anImageThatFailedIsNotHeld() {
    NodeHoldings h = new NodeHoldings();
    h.images(ref -> Future.failedFuture(new IllegalStateException("no such image")))
        .image("registry.example/missing:1");
    assertEquals(Set.of(), h.held());
  }

  @Test
  void pinningKeepsTheRegistryPortAndReplacesATagOrDigest() {
    assertEquals("reg:5000/a@" + DIGEST, NodeHoldings.pinned("reg:5000/a", DIGEST));
    assertEquals("reg:5000/a@" + DIGEST, NodeHoldings.pinned("reg:5000/a:2", DIGEST));
    assertEquals("reg/a@" + DIGEST, NodeHoldings.pinned("reg/a@sha256:" + "d".repeat(64), DIGEST));
  }
}
