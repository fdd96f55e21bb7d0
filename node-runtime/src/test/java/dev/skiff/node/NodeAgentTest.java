package dev.skiff.node;

import static dev.skiff.node.Fixtures.await;
import static dev.skiff.node.Fixtures.put;
import static dev.skiff.node.Fixtures.readyOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.stats.Stat;
import dev.skiff.node.spi.Scaler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent against a fake backend, its timers driven by a manual ticker. */
class NodeAgentTest {
  Vertx vertx;
  ManualTicker ticker;
  FakeBackend backend;
  Map<String, RevisionStatus> statuses;
  List<Stat> stats;
  NodeAgent agent;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ticker = new ManualTicker();
    backend = new FakeBackend();
    statuses = new ConcurrentHashMap<>();
    stats = new CopyOnWriteArrayList<>();
    agent = agent(NodeAgent.builder());
  }

  NodeAgent agent(NodeAgent.Builder b) {
    return b.withVertx(vertx)
        .withBackend(backend)
        .withTicker(ticker)
        .withStatusReporter(
            (ns, rev, st) -> {
              statuses.put(rev, st);
              return Future.succeededFuture();
            })
        .withStatsSink(stats::add)
        .withSampleInterval(Duration.ofMillis(250))
        .withStatsInterval(Duration.ofSeconds(2))
        .withRestartBackoff(Duration.ofSeconds(1))
        .withEndpointGrace(Duration.ofMillis(700))
        .build();
  }

  @AfterEach
  void tearDown() {
    agent.close().toCompletionStage().toCompletableFuture().join();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  void deploy(Revision r) {
    agent.onResourceEvent(put(r));
    agent.onResourceEvent(
        put(Fixtures.service(r.spec().service(), r.metadata().name(), "Unknown")));
  }

  int ready(String revision) {
    return agent.endpoints().ready("default", revision).size();
  }

  @Test
  void startsAnInstanceForARoutedRevisionAndReportsItReady() throws Exception {
    deploy(Fixtures.revision("hello", 1));

    await("an endpoint", () -> ready("hello-00001") == 1);
    await("Ready=True", () -> "True".equals(readyOf(statuses.get("hello-00001"))));
    assertEquals(1, backend.starts());
  }

  @Test
  void publishesAStartThatEndedAtOnceBeforeItsContextTakesAnotherTask() throws Exception {
    // The agent keeps to the context it is built on: build it on one the test can queue on.
    Context context = vertx.getOrCreateContext();
    List<Revision> tracked = new CopyOnWriteArrayList<>();
    Scaler byHand =
        new Scaler() {
          @Override
          public void track(Revision revision) {
            tracked.add(revision);
          }

          @Override
          public void retire(Revision revision) {}

          @Override
          public void untrack(String namespace, String revision) {}
        };
    agent.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CompletableFuture<NodeAgent> built = new CompletableFuture<>();
    context.runOnContext(v -> built.complete(agent(NodeAgent.builder().withScaler(byHand))));
    agent = built.get(30, TimeUnit.SECONDS);
    deploy(Fixtures.revision("hello", 1));
    await("the revision tracked", () -> !tracked.isEmpty());

    CompletableFuture<Integer> servingNext = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          agent.scale("default", "hello-00001", 1);
          // Queued right behind the scale's own task: a Wasm start that ended at once (the fake
          // backend's) is published by then, not on a later turn of the context.
          context.runOnContext(
              w ->
                  servingNext.complete(agent.endpoints().serving("default", "hello-00001").size()));
        });

    assertEquals(1, servingNext.get(30, TimeUnit.SECONDS));
    assertEquals(1, backend.starts());
  }

  @Test
  void aWaitingRequestGoesOnBeforeTheAgentsStatusReportEventAndLogOfTheStart() throws Exception {
    // The agent keeps to the context it is built on; a request granted as the instance is
    // published hops to its own context, which may be the same event loop: what the agent does
    // after publishing must queue behind that hop, not run ahead of it.
    Context context = vertx.getOrCreateContext();
    List<String> order = new CopyOnWriteArrayList<>();
    List<Revision> tracked = new CopyOnWriteArrayList<>();
    Scaler byHand =
        new Scaler() {
          @Override
          public void track(Revision revision) {
            tracked.add(revision);
          }

          @Override
          public void retire(Revision revision) {}

          @Override
          public void untrack(String namespace, String revision) {}
        };
    agent.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CompletableFuture<NodeAgent> built = new CompletableFuture<>();
    context.runOnContext(
        v ->
            built.complete(
                NodeAgent.builder()
                    .withVertx(vertx)
                    .withBackend(backend)
                    .withTicker(ticker)
                    .withScaler(byHand)
                    .withStatusReporter(
                        (ns, rev, st) -> {
                          order.add("report ready " + st.readyInstances());
                          return Future.succeededFuture();
                        })
                    .withInstanceEvents(e -> order.add("event " + e.what()))
                    .build()));
    agent = built.get(30, TimeUnit.SECONDS);
    deploy(Fixtures.revision("hello", 1));
    await("the revision tracked", () -> !tracked.isEmpty());
    agent
        .endpoints()
        .watch(
            "default",
            "hello-00001",
            state -> {
              if (!state.ready().isEmpty() && !order.contains("granted")) {
                order.add("granted");
                // The activator's grant: a hop to the request's context, here the agent's own.
                Vertx.currentContext().runOnContext(w -> order.add("request goes on"));
              }
            });

    context.runOnContext(v -> agent.scale("default", "hello-00001", 1));

    await(
        "the ready report and the start event",
        () -> order.contains("report ready 1") && order.contains("event STARTED"));
    List<String> seen = List.copyOf(order);
    int goesOn = seen.indexOf("request goes on");
    assertTrue(goesOn >= 0, "the granted request never went on: " + seen);
    assertTrue(
        goesOn < seen.indexOf("report ready 1") && goesOn < seen.indexOf("event STARTED"),
        "the request went on only after the agent's report and event: " + seen);
  }

  /**
   * An agent on {@code context} whose revisions the test scales by hand, reporting to {@code to}.
   */
  NodeAgent byHandOn(Context context, List<RevisionStatus> to, List<Revision> tracked)
      throws Exception {
    Scaler byHand =
        new Scaler() {
          @Override
          public void track(Revision revision) {
            tracked.add(revision);
          }

          @Override
          public void retire(Revision revision) {}

          @Override
          public void untrack(String namespace, String revision) {}
        };
    agent.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CompletableFuture<NodeAgent> built = new CompletableFuture<>();
    context.runOnContext(
        v ->
            built.complete(
                NodeAgent.builder()
                    .withVertx(vertx)
                    .withBackend(backend)
                    .withTicker(ticker)
                    .withScaler(byHand)
                    .withStatusReporter(
                        (ns, rev, st) -> {
                          to.add(st);
                          return Future.succeededFuture();
                        })
                    .build()));
    return built.get(30, TimeUnit.SECONDS);
  }

  /** What the reports since {@code from} said: desired/ready of each. */
  static List<String> counts(List<RevisionStatus> reports, int from) {
    return reports.subList(from, reports.size()).stream()
        .map(st -> st.desiredInstances() + "/" + st.readyInstances())
        .toList();
  }

  @Test
  void aScaleCallWithAStartOnItsWayLeavesTheReportToTheStartsEnd() throws Exception {
    // A container start takes tens of milliseconds: a report of the new count sent beside it
    // (and the control plane's refresh it sets off) would compete with it for a core.
    Context context = vertx.getOrCreateContext();
    List<RevisionStatus> reports = new CopyOnWriteArrayList<>();
    List<Revision> tracked = new CopyOnWriteArrayList<>();
    agent = byHandOn(context, reports, tracked);
    deploy(Fixtures.revision("hello", 1));
    await("the revision tracked", () -> !tracked.isEmpty());
    backend.stallStarts(true);
    int before = reports.size();

    CompletableFuture<List<String>> afterScale = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          agent.scale("default", "hello-00001", 1);
          // Queued behind the scale's own task on the agent's context.
          context.runOnContext(w -> afterScale.complete(counts(reports, before)));
        });
    assertEquals(List.of(), afterScale.get(30, TimeUnit.SECONDS), "reported beside the start");
    assertEquals(1, backend.stalled.size());

    backend.finishStalled(0);
    await("the ready report", () -> counts(reports, before).contains("1/1"));
    assertEquals(List.of("1/1"), counts(reports, before), "one report: the count and the ready");
    // The patience timer, firing late, finds nothing new to say.
    ticker.fireTimersOf(dev.skiff.node.internal.InstanceSupervisor.SCALED_REPORT_PATIENCE);
    CompletableFuture<List<String>> later = new CompletableFuture<>();
    context.runOnContext(w -> later.complete(counts(reports, before)));
    assertEquals(List.of("1/1"), later.get(30, TimeUnit.SECONDS));
  }

  @Test
  void aStartStillOnItsWayAfterThePatienceHasTheNewCountReported() throws Exception {
    Context context = vertx.getOrCreateContext();
    List<RevisionStatus> reports = new CopyOnWriteArrayList<>();
    List<Revision> tracked = new CopyOnWriteArrayList<>();
    agent = byHandOn(context, reports, tracked);
    deploy(Fixtures.revision("hello", 1));
    await("the revision tracked", () -> !tracked.isEmpty());
    backend.stallStarts(true);
    int before = reports.size();
    context.runOnContext(v -> agent.scale("default", "hello-00001", 1));
    await("the start asked for", () -> backend.stalled.size() == 1);

    await(
        "the patience timer",
        () ->
            ticker
                .delays()
                .contains(dev.skiff.node.internal.InstanceSupervisor.SCALED_REPORT_PATIENCE));
    ticker.fireTimersOf(dev.skiff.node.internal.InstanceSupervisor.SCALED_REPORT_PATIENCE);
    await("the count reported", () -> counts(reports, before).contains("1/0"));
    assertEquals(List.of("1/0"), counts(reports, before));
    FakeBackend.FakeInstance late = backend.finishStalled(0);
    await("the ready report", () -> counts(reports, before).contains("1/1"));
    assertTrue(!late.stopped, "the late start serves");
  }

  @Test
  void aScaleToZeroWhileTheStartIsOnItsWayIsReportedAtOnce() throws Exception {
    Context context = vertx.getOrCreateContext();
    List<RevisionStatus> reports = new CopyOnWriteArrayList<>();
    List<Revision> tracked = new CopyOnWriteArrayList<>();
    agent = byHandOn(context, reports, tracked);
    deploy(Fixtures.revision("hello", 1));
    await("the revision tracked", () -> !tracked.isEmpty());
    backend.stallStarts(true);
    int before = reports.size();
    CompletableFuture<List<String>> afterScale = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          agent.scale("default", "hello-00001", 1);
          agent.scale("default", "hello-00001", 0);
          context.runOnContext(w -> afterScale.complete(counts(reports, before)));
        });
    assertEquals(List.of("0/0"), afterScale.get(30, TimeUnit.SECONDS));
  }

  @Test
  void samplesAndReportsStatsOnTheTickerAtTheBuilderIntervals() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);

    assertEquals(List.of(Duration.ofMillis(250), Duration.ofSeconds(2)), ticker.intervals());
    assertTrue(stats.isEmpty(), "no stats before the first tick");
    ticker.tick();
    await("a stat for the instance", () -> stats.size() == 1);
    assertEquals("hello-00001", stats.get(0).revision().name());
  }

  @Test
  void restartsAnInstanceThatEndedByItselfAfterTheBackoff() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);

    backend.running.get(0).crash("OOMKilled");

    await("the endpoint withdrawn", () -> ready("hello-00001") == 0);
    await(
        "Ready=False/OOMKilled",
        () -> "False/OOMKilled".equals(readyOf(statuses.get("hello-00001"))));
    await("a restart timer", () -> ticker.pendingTimers() == 1);
    assertEquals(List.of(Duration.ofSeconds(1)), ticker.delays());
    assertEquals(1, backend.starts(), "no restart before the backoff passed");

    ticker.fireTimers();

    await("a new endpoint", () -> ready("hello-00001") == 1);
    assertEquals(2, backend.starts());
    await("Ready=True again", () -> "True".equals(readyOf(statuses.get("hello-00001"))));
  }

  @Test
  void tellsItsListenerOfStartsFailuresRestartsAndGivingUp() throws Exception {
    List<dev.skiff.node.spi.InstanceEvents.InstanceEvent> heard =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    agent = agent(NodeAgent.builder().withStartAttempts(1).withInstanceEvents(heard::add));
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);
    backend.running.get(0).crash("OOMKilled");
    await("the crash heard", () -> heard.size() == 2);
    backend.failStartsWith(new InstanceStartException("StartFailed", "boom", null));
    deploy(Fixtures.revision("broken", 1));
    await("the failure heard", () -> heard.size() == 4);

    var what = heard.stream().map(e -> e.revision() + " " + e.what() + " " + e.reason()).toList();
    assertEquals(
        List.of(
            "hello-00001 STARTED null",
            "hello-00001 ENDED OOMKilled",
            "broken-00001 START_FAILED StartFailed",
            "broken-00001 GAVE_UP StartFailed"),
        what);
    assertTrue(heard.get(0).message().startsWith("instance started (cold start) in "));
    assertEquals("hello", heard.get(0).service());
  }

  @Test
  void tellsItsListenerOfTheImagePullsProgressBeforeTheStart() throws Exception {
    List<dev.skiff.node.spi.InstanceEvents.InstanceEvent> heard =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    var pulling =
        new dev.skiff.node.spi.StartProgress.ImagePull(
            "r.example/x:1", 12_897_485, 47_815_065, 3, 5, null, null);
    var pulled =
        new dev.skiff.node.spi.StartProgress.ImagePull(
                "r.example/x:1", 47_815_065, 47_815_065, 5, 5, null, null)
            .pulled("sha256:abc", Duration.ofMillis(3210));
    backend.pullsFirst(List.of(pulling, pulled));
    agent = agent(NodeAgent.builder().withInstanceEvents(heard::add));
    deploy(Fixtures.revision("hello", 1));
    await("the start heard", () -> heard.size() == 3);

    assertEquals(
        List.of(
            "PULLING pulling r.example/x:1: 12.3 MiB of 45.6 MiB (3 of 5 layers)",
            "PULLED pulled r.example/x:1 (sha256:abc): 45.6 MiB, 5 layers in 3.2 s"),
        heard.subList(0, 2).stream().map(e -> e.what() + " " + e.message()).toList());
    assertEquals(dev.skiff.node.spi.InstanceEvents.What.STARTED, heard.get(2).what());
    assertEquals("hello-00001", heard.get(0).revision());
  }

  @Test
  void drainsAnInstanceOnlyAfterTheEndpointGrace() throws Exception {
    Revision r = Fixtures.revision("hello", 1);
    deploy(r);
    await("an endpoint", () -> ready("hello-00001") == 1);
    FakeBackend.FakeInstance instance = backend.running.get(0);

    agent.scale("default", "hello-00001", 0);

    await("the endpoint withdrawn", () -> ready("hello-00001") == 0);
    await("a grace timer", () -> ticker.pendingTimers() == 1);
    assertEquals(Duration.ofMillis(700), ticker.delays().get(0));
    assertTrue(!instance.stopped, "still serving during the grace");
    ticker.fireTimers();
    await("the instance stopped", () -> instance.stopped);
  }

  @Test
  void stopsTheInstancesOfADeletedRevision() throws Exception {
    Revision r = Fixtures.revision("hello", 1);
    deploy(r);
    await("an endpoint", () -> ready("hello-00001") == 1);
    FakeBackend.FakeInstance instance = backend.running.get(0);

    agent.onResourceEvent(Fixtures.delete(r));

    await("the endpoint withdrawn", () -> ready("hello-00001") == 0);
    await("a grace timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the instance stopped", () -> instance.stopped);
  }

  @Test
  void retriesAFailedStartWithGrowingBackoffThenGivesUpWithTheReason() throws Exception {
    backend.failStartsWith(
        new InstanceStartException("ImagePullFailed", "127.0.0.1:1: connection refused", null));
    deploy(Fixtures.revision("broken", 1));

    await("a retry timer", () -> ticker.pendingTimers() == 1);
    assertEquals(1, backend.starts());
    await(
        "Ready=Unknown/ImagePullFailed while retrying",
        () -> "Unknown/ImagePullFailed".equals(readyOf(statuses.get("broken-00001"))));
    assertNull(agent.endpoints().unavailable("default", "broken-00001"), "not given up yet");

    ticker.fireTimers();
    await("the second attempt", () -> backend.starts() == 2);
    await("another retry timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the third attempt", () -> backend.starts() == 3);

    await(
        "Ready=False/ImagePullFailed",
        () -> "False/ImagePullFailed".equals(readyOf(statuses.get("broken-00001"))));
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2)), ticker.delays());
    String why = agent.endpoints().unavailable("default", "broken-00001");
    assertTrue(why != null && why.contains("connection refused"), String.valueOf(why));
    assertEquals(0, ticker.pendingTimers(), "no more attempts after giving up");
    agent.scale("default", "broken-00001", 3);
    await("the scale applied", () -> statuses.get("broken-00001").desiredInstances() == 3);
    assertEquals(3, backend.starts(), "a failed revision starts nothing when scaled");
  }

  @Test
  void scaleDecisionsDuringTheBackoffDoNotStartEarly() throws Exception {
    backend.failStartsWith(new InstanceStartException("StartFailed", "boom", null));
    deploy(Fixtures.revision("broken", 1));
    await("a retry timer", () -> ticker.pendingTimers() == 1);

    agent.scale("default", "broken-00001", 2);
    await("the scale applied", () -> statuses.get("broken-00001").desiredInstances() == 2);

    assertEquals(1, backend.starts());
  }

  @Test
  void anIdenticalRedeployRetriesARevisionThatGaveUp() throws Exception {
    agent.close().toCompletionStage().toCompletableFuture().join();
    agent = agent(NodeAgent.builder().withStartAttempts(1));
    backend.failStartsWith(new InstanceStartException("StartFailed", "boom", null));
    Revision r = Fixtures.revision("broken", 1);
    deploy(r);
    await("Ready=False", () -> "False/StartFailed".equals(readyOf(statuses.get("broken-00001"))));
    int before = backend.starts();

    // A status-only write of the service (the control plane's) does not retry...
    agent.onResourceEvent(put(Fixtures.service("broken", "broken-00001", "False")));
    agent.scale("default", "broken-00001", 2); // in order after the write: a barrier
    await("the scale applied", () -> statuses.get("broken-00001").desiredInstances() == 2);
    assertEquals(before, backend.starts());
    // ...the operator's identical deploy (same spec, same status) does.
    backend.failStartsWith(null);
    agent.onResourceEvent(put(Fixtures.service("broken", "broken-00001", "False")));

    await("two endpoints", () -> ready("broken-00001") == 2);
    assertEquals(before + 2, backend.starts());
    assertNull(agent.endpoints().unavailable("default", "broken-00001"));
    await("Ready=True", () -> "True".equals(readyOf(statuses.get("broken-00001"))));
  }

  /** A scaler that gives every routed revision one instance and leaves retiring ones be. */
  final class Retains implements dev.skiff.node.spi.Scaler {
    final List<String> retiring = new CopyOnWriteArrayList<>();
    final List<String> untracked = new CopyOnWriteArrayList<>();

    @Override
    public void track(Revision r) {
      agent.scale("default", r.metadata().name(), 1);
    }

    @Override
    public void retire(Revision r) {
      retiring.add(r.metadata().name());
    }

    @Override
    public void untrack(String namespace, String revision) {
      untracked.add(revision);
    }
  }

  @Test
  void aRevisionThatLeavesTrafficKeepsItsInstanceUntilItsScalerRetiresItAtZero() throws Exception {
    Retains scaler = new Retains();
    rebuild(NodeAgent.builder().withScaler(scaler));
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);
    FakeBackend.FakeInstance first = backend.running.get(0);

    deploy(Fixtures.revision("hello", 2));
    await("the new revision's endpoint", () -> ready("hello-00002") == 1);

    assertEquals(List.of("hello-00001"), scaler.retiring);
    assertEquals(1, ready("hello-00001"), "the old revision still serves");
    agent.retire("default", "hello-00001"); // it still wants its instance: stays active
    agent.scale("default", "hello-00001", 0);
    agent.retire("default", "hello-00001");
    await("the scaler told to forget it", () -> scaler.untracked.contains("hello-00001"));
    assertEquals(1, scaler.untracked.size());
    await("the endpoint withdrawn", () -> ready("hello-00001") == 0);
    await("a grace timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the instance stopped", () -> first.stopped);
  }

  @Test
  void aWokenRevisionStaysActiveThroughFeedChangesUntilItsScalerStartsIt() throws Exception {
    Retains scaler = new Retains();
    rebuild(NodeAgent.builder().withScaler(scaler));
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);
    deploy(Fixtures.revision("hello", 2));
    agent.scale("default", "hello-00001", 0);
    agent.retire("default", "hello-00001");
    await("the old revision retired", () -> scaler.untracked.contains("hello-00001"));

    Revision woken =
        agent.wake("default", "hello-00001").toCompletionStage().toCompletableFuture().get();
    // A status write of the service arrives before the scaler's decision does.
    agent.onResourceEvent(put(Fixtures.service("hello", "hello-00002", "True")));
    agent.scale("default", "hello-00001", 1);

    assertEquals("hello-00001", woken.metadata().name());
    await("an instance of the woken revision", () -> ready("hello-00001") == 1);
    assertNull(
        agent.wake("default", "hello-00001").toCompletionStage().toCompletableFuture().get(),
        "an active revision is not woken twice");
  }

  @Test
  void aRetiringRevisionThatIsDeletedStopsAtOnce() throws Exception {
    Retains scaler = new Retains();
    rebuild(NodeAgent.builder().withScaler(scaler));
    Revision old = Fixtures.revision("hello", 1);
    deploy(old);
    await("an endpoint", () -> ready("hello-00001") == 1);
    FakeBackend.FakeInstance first = backend.running.get(0);
    deploy(Fixtures.revision("hello", 2));
    await("the old revision retiring", () -> scaler.retiring.contains("hello-00001"));

    agent.onResourceEvent(Fixtures.delete(old));

    await("the endpoint withdrawn", () -> ready("hello-00001") == 0);
    await("the scaler told to forget it", () -> scaler.untracked.contains("hello-00001"));
    await("a grace timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the instance stopped", () -> first.stopped);
  }

  @Test
  void withoutAnAutoscalerARevisionThatLeavesTrafficStopsAfterTheGrace() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);
    FakeBackend.FakeInstance first = backend.running.get(0);

    deploy(Fixtures.revision("hello", 2));

    await("the old endpoint withdrawn", () -> ready("hello-00001") == 0);
    await("a grace timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the old instance stopped", () -> first.stopped);
    assertEquals(1, ready("hello-00002"));
  }

  @Test
  void givesUpAStartThatNeverFinishesAfterTheStartTimeoutAndRetriesItWithBackoff()
      throws Exception {
    List<dev.skiff.node.spi.InstanceEvents.InstanceEvent> heard = new CopyOnWriteArrayList<>();
    rebuild(
        NodeAgent.builder()
            .withStartTimeout(Duration.ofSeconds(90))
            .withInstanceEvents(heard::add));
    backend.stallStarts(true);
    deploy(Fixtures.revision("stuck", 1));
    await("the first start asked", () -> backend.starts() == 1);
    // Beside the deadline, the scale call's report waits for the start's end, at most so long.
    await("its start deadline", () -> ticker.pendingTimers() == 2);
    assertEquals(
        List.of(
            Duration.ofSeconds(90),
            dev.skiff.node.internal.InstanceSupervisor.SCALED_REPORT_PATIENCE),
        ticker.delays());
    assertEquals(
        List.of(InstanceInfo.STARTING),
        instances("stuck").stream().map(InstanceInfo::state).toList());

    ticker.fireTimers(); // 90 s pass and the backend has still not answered

    await(
        "Ready=Unknown/StartTimedOut while retrying",
        () -> "Unknown/StartTimedOut".equals(readyOf(statuses.get("stuck-00001"))));
    var failed = heard.get(heard.size() - 1);
    assertEquals(
        "START_FAILED StartTimedOut", failed.what() + " " + failed.reason(), failed.message());
    assertTrue(failed.message().contains("within 90 s"), failed.message());
    assertEquals(List.of(), instances("stuck"), "nothing left starting");
    await("a retry after the backoff", () -> ticker.pendingTimers() == 1);
    assertEquals(Duration.ofSeconds(1), ticker.delays().get(2));
    assertEquals(1, backend.starts(), "no retry before the backoff passed");

    backend.stallStarts(false);
    ticker.fireTimers();
    await("an endpoint from the retry", () -> ready("stuck-00001") == 1);
    assertEquals(2, backend.starts());
    await("Ready=True", () -> "True".equals(readyOf(statuses.get("stuck-00001"))));

    // The given-up start finishes after all: that instance is stopped, never published.
    FakeBackend.FakeInstance late = backend.finishStalled(0);
    await("the late instance stopped", () -> late.stopped);
    assertEquals(1, ready("stuck-00001"));
  }

  @Test
  void forgetsAStoppedInstanceWhoseStartNeverFinishesAfterTheStartTimeout() throws Exception {
    rebuild(NodeAgent.builder().withStartTimeout(Duration.ofSeconds(90)));
    backend.stallStarts(true);
    deploy(Fixtures.revision("stuck", 1));
    // The deadline, and the patience of the scale call's report.
    await("its start deadline", () -> ticker.pendingTimers() == 2);
    agent.scale("default", "stuck-00001", 0);
    await(
        "the instance draining",
        () ->
            instancesNow("stuck").stream()
                .map(InstanceInfo::state)
                .toList()
                .equals(List.of(InstanceInfo.DRAINING)));

    ticker.fireTimers();

    await("nothing left", () -> instancesNow("stuck").isEmpty());
    assertEquals(1, backend.starts(), "a stopped instance is not retried");
    await("no retry pending", () -> ticker.pendingTimers() == 0);
  }

  private List<InstanceInfo> instancesNow(String service) {
    try {
      return instances(service);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<InstanceInfo> instances(String service) throws Exception {
    return agent
        .instances("default", service)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private void rebuild(NodeAgent.Builder b) {
    agent.close().toCompletionStage().toCompletableFuture().join();
    agent = agent(b);
  }

  private String condition(String revision, String type) {
    RevisionStatus st = statuses.get(revision);
    return st == null
        ? null
        : st.conditions().stream()
            .filter(c -> type.equals(c.type()))
            .map(c -> c.status() + ": " + c.message())
            .findFirst()
            .orElse(null);
  }

  @Test
  void startsNoMoreThanTheNodeCeilingSaysWhyAndStartsTheRestWhenCapacityFrees() throws Exception {
    rebuild(NodeAgent.builder().withCapacity(100, 2, 1L << 40, 0));
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready("hello-00001") == 1);

    agent.scale("default", "hello-00001", 3);

    await("two endpoints", () -> ready("hello-00001") == 2);
    await(
        "ResourcesAvailable=False naming the flag",
        () -> {
          String c = condition("hello-00001", "ResourcesAvailable");
          return c != null && c.startsWith("False") && c.contains("--max-instances-per-node");
        });
    assertEquals(2, backend.starts());

    deploy(Fixtures.revision("other", 1));
    await(
        "the other revision unavailable at once",
        () -> agent.endpoints().unavailable("default", "other-00001") != null);
    assertTrue(
        agent.endpoints().unavailable("default", "other-00001").startsWith("InsufficientCapacity"));
    await(
        "Ready=False/InsufficientCapacity",
        () -> "False/InsufficientCapacity".equals(readyOf(statuses.get("other-00001"))));

    agent.scale("default", "hello-00001", 1);
    // The scale is applied on the agent's thread, which then sets the stopped instance's grace.
    await("the stopped instance's endpoint grace", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();

    await("the other revision starts", () -> ready("other-00001") == 1);
    assertNull(agent.endpoints().unavailable("default", "other-00001"));
  }

  @Test
  void capsARevisionAtThePerRevisionCeiling() throws Exception {
    rebuild(NodeAgent.builder().withCapacity(2, 100, 1L << 40, 0));
    deploy(Fixtures.revision("hello", 1));
    await("the first endpoint", () -> ready("hello-00001") == 1);
    agent.scale("default", "hello-00001", 5);

    await("two endpoints", () -> ready("hello-00001") == 2);
    await(
        "ResourcesAvailable=False naming the flag",
        () -> {
          String c = condition("hello-00001", "ResourcesAvailable");
          return c != null && c.contains("--max-instances-per-revision");
        });
    assertEquals(2, backend.starts());
  }

  @Test
  void admitsMemoryRequestsOnlyUpToTheNodesMemory() throws Exception {
    rebuild(NodeAgent.builder().withCapacity(100, 100, 1L << 30, 0));
    deploy(Fixtures.revision("big", 1, "600Mi"));
    await("the first endpoint", () -> ready("big-00001") == 1);
    agent.scale("default", "big-00001", 2);

    await(
        "ResourcesAvailable=False naming memory",
        () -> {
          String c = condition("big-00001", "ResourcesAvailable");
          return c != null && c.contains("--node-memory") && c.contains("600 MiB");
        });
    assertEquals(1, backend.starts());
  }

  @Test
  void startsNothingWhenFileDescriptorsRunLow() throws Exception {
    rebuild(
        NodeAgent.builder()
            .withCapacity(100, 100, 1L << 40, 64)
            .withFileDescriptors(
                new dev.skiff.node.spi.FileDescriptors() {
                  @Override
                  public long open() {
                    return 990;
                  }

                  @Override
                  public long max() {
                    return 1000;
                  }
                }));
    deploy(Fixtures.revision("hello", 1));

    await(
        "unavailable for file descriptors",
        () -> {
          String why = agent.endpoints().unavailable("default", "hello-00001");
          return why != null && why.contains("10 file descriptors left of 1000");
        });
    assertEquals(0, backend.starts());
  }
}
