package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.Fixtures;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An edge activator's view of a revision: the remote endpoints mirrored into the edge's registry,
 * with the containerConcurrency of the revision as the change feed last gave it.
 */
class EdgeEndpointsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void watchCarriesTheRevisionsConcurrencyAndItsRemoteEndpoints() throws Exception {
    EndpointRegistry registry = new EndpointRegistry(vertx);
    EdgeEndpoints endpoints = new EdgeEndpoints(registry);
    ResourceEvent rev = Fixtures.put(Fixtures.revision("hello", 1));
    ((ObjectNode) rev.object().path("spec").path("template")).put("containerConcurrency", 3);
    endpoints.onResourceEvent(rev);

    List<RevisionEndpoints> seen = new CopyOnWriteArrayList<>();
    var sub = endpoints.watch("default", "hello-00001", seen::add);
    registry.add(
        "default",
        "hello-00001",
        new Endpoint("n1/i1", "127.0.0.2", 9000, "spiffe://skiff.local/ns/default/svc/hello"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen.stream().noneMatch(s -> !s.ready().isEmpty())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no endpoint seen: " + seen);
      }
      Thread.sleep(10);
    }
    RevisionEndpoints last = seen.get(seen.size() - 1);
    assertEquals(3, last.containerConcurrency());
    assertEquals("127.0.0.2", last.ready().get(0).host());
    assertEquals(9000, last.ready().get(0).port());
    assertEquals("n1/i1", last.ready().get(0).instance());
    sub.cancel();
  }

  @Test
  void aRevisionNeverSeenIsUnlimited() {
    EdgeEndpoints endpoints = new EdgeEndpoints(new EndpointRegistry(vertx));
    List<RevisionEndpoints> seen = new CopyOnWriteArrayList<>();
    endpoints.watch("default", "unknown-00001", seen::add).cancel();
    assertEquals(0, seen.get(0).containerConcurrency());
    assertEquals(List.of(), seen.get(0).ready());
  }
}
