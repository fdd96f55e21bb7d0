package dev.skiff.node;

import static dev.skiff.node.Fixtures.await;
import static dev.skiff.node.Fixtures.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceEvents;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent and the front door it puts before each instance, with a recording test front. */
class InstanceFrontTest {
  static final String IDENTITY = "spiffe://skiff.local/ns/default/svc/hello";

  Vertx vertx;
  ManualTicker ticker;
  FakeBackend backend;
  RecordingFronts fronts;
  final List<dev.skiff.api.stats.Stat> stats = new CopyOnWriteArrayList<>();
  final List<InstanceEvents.InstanceEvent> events = new CopyOnWriteArrayList<>();
  final List<RevisionStatus> reports = new CopyOnWriteArrayList<>();
  NodeAgent agent;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ticker = new ManualTicker();
    backend = new FakeBackend();
    fronts = new RecordingFronts();
    agent =
        NodeAgent.builder()
            .withVertx(vertx)
            .withBackend(backend)
            .withTicker(ticker)
            .withFrontDoor(fronts)
            .withStatsSink(stats::add)
            .withInstanceEvents(events::add)
            .withStatusReporter(
                (ns, rev, st) -> {
                  reports.add(st);
                  return Future.succeededFuture();
                })
            .withNodeName("node-a")
            .withEndpointGrace(Duration.ofMillis(1))
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

  List<Endpoint> ready() {
    return agent.endpoints().ready("default", "hello-00001");
  }

  List<Endpoint> serving() {
    return agent.endpoints().serving("default", "hello-00001");
  }

  List<InstanceInfo> instances() {
    return agent.instances("default", null).toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void publishesTheFrontsAddressAndIdentityNotTheInstances() throws Exception {
    deploy(Fixtures.revision("hello", 1));

    await("an endpoint", () -> ready().size() == 1);
    Endpoint e = ready().get(0);
    assertEquals("127.0.0.2", e.host());
    assertEquals(fronts.opened.get(0).port, e.port());
    assertEquals(IDENTITY, e.identity());
    assertTrue(e.port() != backend.running.get(0).port(), "the instance's own port stays hidden");
  }

  @Test
  void publishesAFrontThatServesInProcessAtOnceAndItsAddressOnlyOnceItListens() throws Exception {
    fronts.holdListening.set(true);
    deploy(Fixtures.revision("hello", 1));

    await("an in-process endpoint", () -> serving().size() == 1);
    assertEquals(0, serving().get(0).port(), "no address while the listener binds");
    assertTrue(ready().isEmpty(), "callers over the network get no endpoint yet");
    assertNull(instances().get(0).address(), "no address listed yet");

    RecordingFront front = fronts.opened.get(0);
    front.listening.complete();

    await("the address", () -> ready().size() == 1);
    assertEquals("127.0.0.2:" + front.port, instances().get(0).address());
    assertEquals(front.port, ready().get(0).port());
    assertEquals(List.of(ready().get(0)), serving(), "the same instance, now listening");
  }

  @Test
  void tellsOfAStartServedInProcessAtOnceOnlyOnceItsFrontListens() throws Exception {
    fronts.holdListening.set(true);
    deploy(Fixtures.revision("hello", 1));
    await("an in-process endpoint", () -> serving().size() == 1);

    // instances() runs on the agent's context behind what publishing the start queued there.
    assertEquals(1, instances().size());
    assertTrue(
        events.stream().noneMatch(e -> e.what() == InstanceEvents.What.STARTED),
        "no start event while the front has not answered or listened: " + events);
    assertTrue(
        reports.stream().noneMatch(st -> Integer.valueOf(1).equals(st.readyInstances())),
        "no ready report yet: " + reports);

    fronts.opened.get(0).listening.complete();

    await(
        "the start event",
        () -> events.stream().anyMatch(e -> e.what() == InstanceEvents.What.STARTED));
    await(
        "the ready report",
        () -> reports.stream().anyMatch(st -> Integer.valueOf(1).equals(st.readyInstances())));
  }

  @Test
  void aFrontThatCannotListenEndsItsInstanceAndAnotherStarts() throws Exception {
    fronts.holdListening.set(true);
    deploy(Fixtures.revision("hello", 1));
    await("an in-process endpoint", () -> serving().size() == 1);

    fronts.opened.get(0).listening.fail(new IllegalStateException("address in use"));

    await("the endpoint withdrawn", () -> serving().isEmpty());
    await("the front stopped", () -> fronts.opened.get(0).drain != null);
    await("a restart timer", () -> ticker.pendingTimers() == 1);
    fronts.holdListening.set(false);
    ticker.fireTimers();
    await("the replacement ready", () -> ready().size() == 1);
  }

  @Test
  void reportsWhatTheFrontCountedWithTheActivatorsShareAsProxied() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready().size() == 1);
    var requests = fronts.specs.get(0).requests();

    requests.enter(true);
    requests.enter(false);
    requests.leave(true);
    requests.leave(false);
    ticker.tick();

    await("a stat", () -> !stats.isEmpty());
    assertEquals(2.0, stats.get(0).requestCount());
    assertEquals(1.0, stats.get(0).proxiedRequestCount(), "the activator reported that one itself");
  }

  @Test
  void stopsTheFrontDrainingBeforeTheInstance() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready().size() == 1);
    var instance = backend.running.get(0);

    agent.scale("default", "hello-00001", 0);
    await("the endpoint withdrawn", () -> ready().isEmpty());
    // The agent sets the grace timer just after it withdraws the endpoint, on its own thread.
    await("the endpoint grace", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();

    await("the instance stopped", () -> instance.stopped);
    RecordingFront front = fronts.opened.get(0);
    assertTrue(front.stoppedBeforeInstance, "the front drains before its instance stops");
    assertEquals(Duration.ofSeconds(30), front.drain);
  }

  @Test
  void aFrontThatCannotOpenFailsTheStartAndStopsTheInstance() throws Exception {
    fronts.failNext.set(true);
    deploy(Fixtures.revision("hello", 1));

    await("the instance stopped again", () -> backend.starts() == 1 && backend.running.isEmpty());
    assertTrue(ready().isEmpty());
    await("a restart timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("an endpoint after the retry", () -> ready().size() == 1);
  }

  @Test
  void aFrontIsStoppedWhenItsInstanceEndsByItself() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready().size() == 1);

    backend.running.get(0).crash("OOMKilled");

    await("the front stopped", () -> fronts.opened.get(0).drain != null);
    assertEquals(Duration.ZERO, fronts.opened.get(0).drain, "nothing left behind it to drain");
  }

  @Test
  void listsItsInstancesWithStateStartTimeAndFrontAddress() throws Exception {
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready().size() == 1);

    List<InstanceInfo> list = instances();
    assertEquals(1, list.size());
    InstanceInfo i = list.get(0);
    assertEquals("default.hello-00001.1", i.name());
    assertEquals("hello", i.service());
    assertEquals("hello-00001", i.revision());
    assertEquals("wasm", i.kind());
    assertEquals("node-a", i.node());
    assertEquals(InstanceInfo.READY, i.state());
    assertNotNull(i.startedAt());
    assertEquals(0, i.restarts());
    assertEquals("127.0.0.2:" + fronts.opened.get(0).port, i.address());
    assertEquals(IDENTITY, i.identity());
    assertTrue(
        agent.instances("other", null).toCompletionStage().toCompletableFuture().join().isEmpty());
    assertTrue(
        agent
            .instances("default", "nope")
            .toCompletionStage()
            .toCompletableFuture()
            .join()
            .isEmpty());

    backend.running.get(0).crash("OOMKilled");
    await("a restart timer", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the replacement ready", () -> ready().size() == 1);
    InstanceInfo next = instances().get(0);
    assertEquals("default.hello-00001.2", next.name());
    assertEquals(1, next.restarts());
  }

  @Test
  void listsADrainingInstanceUntilItsFrontHasDrained() throws Exception {
    fronts.holdStops.set(true);
    deploy(Fixtures.revision("hello", 1));
    await("an endpoint", () -> ready().size() == 1);

    agent.scale("default", "hello-00001", 0);
    await("the endpoint withdrawn", () -> ready().isEmpty());
    await("the endpoint grace", () -> ticker.pendingTimers() == 1);
    ticker.fireTimers();
    await("the front asked to stop", () -> fronts.opened.get(0).drain != null);

    List<InstanceInfo> list = instances();
    assertEquals(1, list.size());
    assertEquals(InstanceInfo.DRAINING, list.get(0).state());

    fronts.opened.get(0).stopped.complete();
    await("gone from the list", () -> instances().isEmpty());
  }

  /** Opens {@link RecordingFront}s on 127.0.0.2 with made-up ports. */
  final class RecordingFronts implements FrontDoor {
    final List<RecordingFront> opened = new CopyOnWriteArrayList<>();
    final List<InstanceSpec> specs = new CopyOnWriteArrayList<>();
    final AtomicBoolean failNext = new AtomicBoolean();
    final AtomicBoolean holdStops = new AtomicBoolean();
    final AtomicBoolean holdListening = new AtomicBoolean();
    private final AtomicInteger ports = new AtomicInteger(50000);

    @Override
    public Future<InstanceFront> open(InstanceSpec spec, Instance instance) {
      if (failNext.getAndSet(false)) {
        return Future.failedFuture(new IllegalStateException("no port left"));
      }
      assertNull(instance.handler(), "the fake backend's instances have an address");
      specs.add(spec);
      RecordingFront f = new RecordingFront(ports.incrementAndGet(), instance, holdStops.get());
      if (!holdListening.get()) {
        f.listening.complete();
      }
      opened.add(f);
      return Future.succeededFuture(f);
    }
  }

  static final class RecordingFront implements InstanceFront {
    final int port;
    final Instance instance;
    final io.vertx.core.Promise<Void> stopped = io.vertx.core.Promise.promise();
    final io.vertx.core.Promise<Void> listening = io.vertx.core.Promise.promise();
    volatile Duration drain;
    volatile boolean stoppedBeforeInstance;

    RecordingFront(int port, Instance instance, boolean hold) {
      this.port = port;
      this.instance = instance;
      if (!hold) {
        stopped.complete();
      }
    }

    @Override
    public String host() {
      return "127.0.0.2";
    }

    @Override
    public int port() {
      return listening.future().succeeded() ? port : -1;
    }

    @Override
    public Future<Void> listening() {
      return listening.future();
    }

    @Override
    public String identity() {
      return IDENTITY;
    }

    @Override
    public Future<Void> stop(Duration drain) {
      this.drain = drain;
      stoppedBeforeInstance = !((FakeBackend.FakeInstance) instance).stopped;
      return stopped.future();
    }
  }
}
