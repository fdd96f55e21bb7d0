package dev.skiff.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.stats.RevisionKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EndpointRegistryTest {
  final Vertx vertx = Vertx.vertx();
  final EndpointRegistry registry = new EndpointRegistry(vertx);
  final Endpoint a = new Endpoint("i1", "127.0.0.1", 1001, null);
  final Endpoint b = new Endpoint("i2", "127.0.0.1", 1002, null);

  @AfterEach
  void tearDown() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void watchGetsTheCurrentStateAtOnceThenEveryChangeInOrder() {
    registry.add("default", "hello-00001", a);
    List<EndpointState> seen = new CopyOnWriteArrayList<>();
    Runnable cancel = registry.watch("default", "hello-00001", seen::add);
    registry.add("default", "hello-00001", b);
    registry.remove("default", "hello-00001", "i1");
    cancel.run();
    registry.remove("default", "hello-00001", "i2");

    assertEquals(
        List.of(List.of(a), List.of(a, b), List.of(b)),
        seen.stream().map(EndpointState::ready).toList());
  }

  @Test
  void anEndpointServedInProcessOnlyIsWatchedButOfferedToNetworkCallersOnlyOnceItListens()
      throws Exception {
    Endpoint inProcess = new Endpoint("i1", "127.0.0.1", 0, "spiffe://skiff.local/ns/n/svc/s");
    Endpoint bound = new Endpoint("i1", "127.0.0.1", 1001, "spiffe://skiff.local/ns/n/svc/s");
    List<EndpointState> seen = new CopyOnWriteArrayList<>();
    registry.watch("default", "hello-00001", seen::add);
    Future<List<Endpoint>> waiting =
        registry.awaitReady("default", "hello-00001", Duration.ofSeconds(30));

    registry.add("default", "hello-00001", inProcess);

    assertTrue(registry.ready("default", "hello-00001").isEmpty(), "no address to call yet");
    assertTrue(!waiting.isComplete(), "network callers wait for a listener");
    assertEquals(List.of(inProcess), registry.serving("default", "hello-00001"));

    registry.add("default", "hello-00001", bound);

    assertEquals(List.of(bound), registry.ready("default", "hello-00001"));
    assertEquals(List.of(bound), registry.serving("default", "hello-00001"), "replaced, not added");
    assertEquals(List.of(bound), join(waiting));
    assertEquals(
        List.of(List.of(), List.of(inProcess), List.of(bound)),
        seen.stream().map(EndpointState::ready).toList());
  }

  @Test
  void servingCountCountsWhatServingListsInProcessOnesIncluded() {
    RevisionKey hello = RevisionKey.of("default", "hello-00001");
    assertEquals(0, registry.servingCount(hello));
    Endpoint inProcess = new Endpoint("i3", "127.0.0.1", 0, "spiffe://skiff.local/ns/n/svc/s");
    registry.add("default", "hello-00001", a);
    registry.add("default", "hello-00001", inProcess);
    assertEquals(2, registry.servingCount(hello));
    assertEquals(registry.serving("default", "hello-00001").size(), registry.servingCount(hello));
    assertEquals(0, registry.servingCount(RevisionKey.of("other", "hello-00001")));
    registry.remove("default", "hello-00001", "i1");
    registry.remove("default", "hello-00001", "i3");
    assertEquals(0, registry.servingCount(hello));
  }

  @Test
  void watchesOfOtherRevisionsHearNothing() {
    List<EndpointState> seen = new CopyOnWriteArrayList<>();
    registry.watch("default", "other-00001", seen::add);
    registry.add("default", "hello-00001", a);
    assertEquals(List.of(EndpointState.NONE), seen);
  }

  @Test
  void awaitReadyCompletesWhenTheFirstEndpointArrives() throws Exception {
    Future<List<Endpoint>> waiting =
        registry.awaitReady("default", "hello-00001", Duration.ofSeconds(30));
    assertTrue(!waiting.isComplete());
    registry.add("default", "hello-00001", a);
    assertEquals(List.of(a), join(waiting));
  }

  @Test
  void awaitReadyFailsAtOnceWithTheReasonWhenTheRevisionIsUnavailable() throws Exception {
    Future<List<Endpoint>> waiting =
        registry.awaitReady("default", "hello-00001", Duration.ofSeconds(30));
    registry.markUnavailable("default", "hello-00001", "ImagePullFailed: connection refused");

    Throwable err = failure(waiting);
    assertInstanceOf(NotReadyException.class, err);
    assertTrue(err.getMessage().contains("ImagePullFailed: connection refused"), err.getMessage());
    Throwable later =
        failure(registry.awaitReady("default", "hello-00001", Duration.ofSeconds(30)));
    assertTrue(later.getMessage().contains("ImagePullFailed"), later.getMessage());
  }

  @Test
  void aReadyEndpointClearsTheUnavailableReasonAndWatchersSeeBoth() {
    List<EndpointState> seen = new CopyOnWriteArrayList<>();
    registry.watch("default", "hello-00001", seen::add);
    registry.markUnavailable("default", "hello-00001", "StartFailed: boom");
    registry.add("default", "hello-00001", a);

    assertEquals(3, seen.size());
    assertEquals("StartFailed: boom", seen.get(1).unavailable());
    assertNull(seen.get(2).unavailable());
    assertNull(registry.unavailable("default", "hello-00001"));
  }

  @Test
  void awaitReadyTimesOutWithNotReady() throws Exception {
    Throwable err = failure(registry.awaitReady("default", "hello-00001", Duration.ofMillis(20)));
    assertInstanceOf(NotReadyException.class, err);
    assertTrue(err.getMessage().contains("after 20 ms"), err.getMessage());
  }

  private static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage()
        .toCompletableFuture()
        .get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      join(f);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
