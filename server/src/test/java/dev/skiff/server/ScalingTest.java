package dev.skiff.server;

import static dev.skiff.node.Fixtures.await;
import static dev.skiff.node.Fixtures.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.node.FakeBackend;
import dev.skiff.node.Fixtures;
import dev.skiff.node.ManualTicker;
import dev.skiff.node.NodeAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scale-to-zero loop between a real agent (fake backend) and a real autoscaler, by hand. */
class ScalingTest {
  Vertx vertx;
  FakeBackend backend;
  Map<String, RevisionStatus> statuses;
  Scaling scaling;
  NodeAgent agent;
  Autoscaler autoscaler;
  ManualTicker ticker = new ManualTicker();
  final java.util.concurrent.atomic.AtomicReference<Instant> now =
      new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  dev.skiff.controlplane.events.EventLog events =
      new dev.skiff.controlplane.events.EventLog(java.time.Clock.systemUTC());

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    backend = new FakeBackend();
    statuses = new ConcurrentHashMap<>();
    scaling = new Scaling();
    scaling.events(events);
    agent =
        NodeAgent.builder()
            .withVertx(vertx)
            .withBackend(backend)
            .withTicker(ticker)
            .withScaler(scaling)
            .withInstanceEvents(new InstanceEventLog(events))
            .withStatusReporter(
                (ns, rev, st) -> {
                  statuses.put(rev, st);
                  return Future.succeededFuture();
                })
            .build();
    scaling.agent(agent);
    autoscaler =
        Autoscaler.builder()
            .withVertx(vertx)
            .withTicker((interval, tick) -> () -> {}) // decisions only when the test asks
            .withEndpoints(scaling)
            .withListener(scaling)
            .withClock(clock())
            .build();
    scaling.autoscaler(autoscaler);
  }

  @AfterEach
  void tearDown() {
    agent.close().toCompletionStage().toCompletableFuture().join();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private void deploy(Revision r) {
    agent.onResourceEvent(put(r));
    agent.onResourceEvent(
        put(Fixtures.service(r.spec().service(), r.metadata().name(), "Unknown")));
  }

  private int ready() {
    return agent.endpoints().ready("default", "hello-00001").size();
  }

  @Test
  void aNewRevisionGetsItsInitialScaleAndTheDecisionInItsStatus() throws Exception {
    deploy(Fixtures.revision("hello", 1));

    await("the initial instance", () -> ready() == 1);
    assertEquals(1, scaling.readyInstances(RevisionKey.of("default", "hello-00001")));
    await(
        "an Autoscaled condition",
        () ->
            statuses.containsKey("hello-00001")
                && statuses.get("hello-00001").conditions().stream()
                    .anyMatch(c -> "Autoscaled".equals(c.type())));
  }

  @Test
  void aRevisionThatServedBeforeResumesAtZeroAndAPokeStartsOne() throws Exception {
    Revision served =
        Fixtures.revision("hello", 1)
            .withStatus(
                new RevisionStatus(
                    null, 0, 0, List.of(Condition.ready(true, null, null, Instant.EPOCH))));
    deploy(served);
    await("the autoscaler tracks it", () -> autoscaler.decision(key()).isPresent());
    assertEquals(0, autoscaler.decision(key()).get().desired());
    assertEquals(0, backend.starts());
    assertTrue(scaling.viaActivator("default", "hello-00001"), "at zero: via the activator");

    scaling.poke("default", "hello-00001");

    await("an instance after the poke", () -> ready() == 1);
  }

  @Test
  void fiftyConcurrentPokesAtZeroStartOneInstanceTheAutoscalerCountsWithNoTickNorTimer()
      throws Exception {
    Revision served =
        Fixtures.revision("hello", 1)
            .withStatus(
                new RevisionStatus(
                    null, 0, 0, List.of(Condition.ready(true, null, null, Instant.EPOCH))));
    deploy(served);
    await("the autoscaler tracks it", () -> autoscaler.decision(key()).isPresent());
    Instant frozen = now.get();

    var pokers = java.util.concurrent.Executors.newFixedThreadPool(50);
    var go = new java.util.concurrent.CountDownLatch(1);
    try {
      List<java.util.concurrent.Future<?>> pokes = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        pokes.add(
            pokers.submit(
                () -> {
                  go.await();
                  scaling.poke("default", "hello-00001");
                  return null;
                }));
      }
      go.countDown();
      for (var p : pokes) {
        p.get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pokers.shutdownNow();
    }

    await("the instance", () -> ready() == 1);
    // Every scale call the pokes made has reached the agent once its context ran a task after
    // them; only then may no second start follow.
    var drained = new java.util.concurrent.CompletableFuture<Void>();
    agent.instances("default", null).onComplete(ar -> drained.complete(null));
    drained.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(1, backend.starts(), "one instance for all the pokes");
    assertEquals(1, scaling.readyInstances(key()), "the autoscaler counts it");
    assertEquals(1, autoscaler.decision(key()).orElseThrow().desired());
    assertEquals(frozen, now.get(), "the clock never moved");
    assertEquals(0, ticker.pendingTimers(), "no agent timer was involved");
  }

  @Test
  void aPokeAtZeroRecordsTheScaleUpWithTheAutoscalersReasonAndTheInstanceStart() throws Exception {
    Revision served =
        Fixtures.revision("hello", 1)
            .withStatus(
                new RevisionStatus(
                    null, 0, 0, List.of(Condition.ready(true, null, null, Instant.EPOCH))));
    deploy(served);
    await("the autoscaler tracks it", () -> autoscaler.decision(key()).isPresent());

    scaling.poke("default", "hello-00001");

    await("an instance after the poke", () -> ready() == 1);
    await(
        "a Started event",
        () -> events.list("default", "hello").stream().anyMatch(e -> e.reason().equals("Started")));
    var scaled =
        events.list("default", "hello-00001").stream()
            .filter(e -> e.reason().equals("ScaledUp"))
            .findFirst()
            .orElseThrow();
    assertEquals("scaled from 0 to 1: activation: request arrived at zero", scaled.message());
    assertEquals("hello", scaled.service());
  }

  @Test
  void theActivatorsWatchSeesEndpointsWithTheRevisionsContainerConcurrency() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("the initial instance", () -> ready() == 1);
    List<RevisionEndpoints> seen = new CopyOnWriteArrayList<>();

    var sub = scaling.watch("default", "hello-00001", seen::add);

    assertEquals(1, seen.size());
    assertEquals(1, seen.get(0).ready().size());
    assertEquals(0, seen.get(0).containerConcurrency());
    sub.cancel();
  }

  @Test
  void anUntrackedRevisionKeepsNoDecision() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("the autoscaler tracks it", () -> autoscaler.decision(key()).isPresent());

    scaling.untrack("default", "hello-00001");

    assertFalse(autoscaler.decision(key()).isPresent());
    assertTrue(scaling.viaActivator("default", "hello-00001"));
  }

  /** The test's clock: moves only when {@link #now} is set. */
  private java.time.Clock clock() {
    return new java.time.Clock() {
      @Override
      public Instant instant() {
        return now.get();
      }

      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }
    };
  }

  /** All traffic of service hello moves to its revision {@code n}, which is deployed now. */
  private void moveTrafficTo(int n) {
    agent.onResourceEvent(put(Fixtures.revision("hello", n)));
    agent.onResourceEvent(put(Fixtures.service("hello", Revision.nameFor("hello", n), "Unknown")));
  }

  private static Revision servedBefore() {
    return Fixtures.revision("hello", 1)
        .withStatus(
            new RevisionStatus(
                null, 0, 0, List.of(Condition.ready(true, null, null, Instant.EPOCH))));
  }

  @Test
  void aRevisionThatLeavesTrafficKeepsItsInstanceUntilTheAutoscalerTakesItToZero()
      throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("the initial instance", () -> ready() == 1);
    FakeBackend.FakeInstance first = backend.running.get(0);

    moveTrafficTo(2);

    await(
        "an instance of the new revision",
        () -> agent.endpoints().ready("default", "hello-00002").size() == 1);
    // Requests already on their way to revision 1 (queued at the activator, in its sidecar) are
    // answered by its instance, as in Knative: leaving traffic is no scale event of its own.
    assertEquals(1, ready(), "revision 1 still has its endpoint");
    assertFalse(first.stopped, "revision 1's instance still serves");
    assertTrue(autoscaler.decision(key()).isPresent(), "the autoscaler still decides revision 1");

    // Idle for the stable window plus the scale-to-zero grace: the autoscaler takes it to zero.
    now.set(now.get().plusSeconds(60 + 30 + 1));
    autoscaler.tick();

    await("revision 1's endpoint withdrawn", () -> ready() == 0);
    await("the autoscaler forgot revision 1", () -> autoscaler.decision(key()).isEmpty());
    await("an endpoint grace timer", () -> ticker.pendingTimers() >= 1);
    ticker.fireTimers();
    await("revision 1's instance stopped", () -> first.stopped);
  }

  @Test
  void aRequestForARevisionThatLeftTrafficAtZeroStillStartsAnInstance() throws Exception {
    deploy(servedBefore());
    await("the autoscaler tracks it", () -> autoscaler.decision(key()).isPresent());
    moveTrafficTo(2);
    await(
        "an instance of the new revision",
        () -> agent.endpoints().ready("default", "hello-00002").size() == 1);

    // A request the gateway routed to revision 1 just before the route changed reaches the
    // activator now, which pokes the autoscaler for it.
    scaling.poke("default", "hello-00001");

    await("an instance of revision 1 for the request", () -> ready() == 1);
  }

  @Test
  void aRevisionThatLeftTrafficAtMinScaleStillReachesZero() throws Exception {
    Revision base = Fixtures.revision("hello", 1);
    Revision pinned =
        Revision.of(
            base.metadata(),
            new dev.skiff.api.model.RevisionSpec(
                "hello",
                1,
                base.spec()
                    .template()
                    .withAnnotations(Map.of(dev.skiff.api.model.ScalingSettings.MIN_SCALE, "1"))));
    deploy(pinned);
    await("the initial instance", () -> ready() == 1);

    moveTrafficTo(2);
    await(
        "an instance of the new revision",
        () -> agent.endpoints().ready("default", "hello-00002").size() == 1);
    now.set(now.get().plusSeconds(60 + 30 + 1));
    autoscaler.tick();

    // Knative ignores min-scale for a revision no route reaches.
    await("revision 1's endpoint withdrawn", () -> ready() == 0);
  }

  private static RevisionKey key() {
    return RevisionKey.of("default", "hello-00001");
  }

  @Test
  void lagKeepsInstancesAboveTheKpaUntilTheTopicIsDrained() throws Exception {
    Revision served =
        Fixtures.revision("hello", 1)
            .withStatus(
                new RevisionStatus(
                    null, 0, 0, List.of(Condition.ready(true, null, null, Instant.EPOCH))));
    deploy(served);
    await("the autoscaler tracks it at zero", () -> autoscaler.decision(key()).isPresent());
    assertEquals(0, ready());

    scaling.onLag("default", "hello", "orders", 25, 6, 10); // ceil(25 / 10) = 3

    await("three instances for the lag", () -> ready() == 3);
    scaling.onLag("default", "hello", "orders", 1000, 2, 10); // capped by the 2 partitions
    await("two instances, one per partition", () -> ready() == 2);
    scaling.onLag("default", "hello", "orders", 0, 2, 10);
    await("back to the KPA's zero once drained", () -> ready() == 0);
  }

  @Test
  void kedasRuleCapsByPartitionsAndAsksNothingWithoutLag() {
    assertEquals(0, Scaling.instancesForLag(0, 6, 10));
    assertEquals(1, Scaling.instancesForLag(1, 6, 10));
    assertEquals(3, Scaling.instancesForLag(21, 6, 10));
    assertEquals(6, Scaling.instancesForLag(10_000, 6, 10));
  }
}
