package dev.skiff.server;

import static dev.skiff.node.Fixtures.await;
import static dev.skiff.node.Fixtures.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.model.Revision;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.node.FakeBackend;
import dev.skiff.node.Fixtures;
import dev.skiff.node.ManualTicker;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.InstanceFront;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An instance whose front serves it in process while its listener binds (a Wasm instance's
 * sidecar): the autoscaler counts it and the activator gets it at once, in process; the gateway
 * (its endpoint source and its choice of path) only once the listener is bound.
 */
class ListenerBindingTest {
  static final String IDENTITY = "spiffe://skiff.local/ns/default/svc/hello";
  static final RevisionKey KEY = RevisionKey.of("default", "hello-00001");

  Vertx vertx;
  Scaling scaling;
  NodeAgent agent;
  final Promise<Void> bound = Promise.promise();
  final FrontDoor binding =
      (spec, instance) ->
          Future.succeededFuture(
              new InstanceFront() {
                @Override
                public String host() {
                  return "127.0.0.1";
                }

                @Override
                public int port() {
                  return bound.future().succeeded() ? 41000 : -1;
                }

                @Override
                public String identity() {
                  return IDENTITY;
                }

                @Override
                public Future<Void> listening() {
                  return bound.future();
                }

                @Override
                public Future<Void> stop(Duration drain) {
                  return Future.succeededFuture();
                }
              });

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    scaling = new Scaling();
    agent =
        NodeAgent.builder()
            .withVertx(vertx)
            .withBackend(new FakeBackend())
            .withTicker(new ManualTicker())
            .withFrontDoor(binding)
            .withScaler(scaling)
            .build();
    scaling.agent(agent);
    Autoscaler autoscaler =
        Autoscaler.builder()
            .withVertx(vertx)
            .withTicker((interval, tick) -> () -> {})
            .withEndpoints(scaling)
            .withListener(scaling)
            .build();
    scaling.autoscaler(autoscaler);
  }

  @AfterEach
  void tearDown() {
    agent.close().toCompletionStage().toCompletableFuture().join();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  @Test
  void theGatewayGetsAnInstanceOnlyOnceItsListenerIsBoundTheActivatorAtOnce() throws Exception {
    Revision r = Fixtures.revision("hello", 1);
    agent.onResourceEvent(put(r));
    agent.onResourceEvent(put(Fixtures.service("hello", r.metadata().name(), "Unknown")));
    AgentEndpoints gateway = new AgentEndpoints(agent.endpoints());
    List<RevisionEndpoints> activator = new CopyOnWriteArrayList<>();
    scaling.watch("default", "hello-00001", activator::add);

    await("the instance counted", () -> scaling.readyInstances(KEY) == 1);

    assertTrue(gateway.ready("default", "hello-00001").isEmpty(), "no address to call yet");
    assertTrue(
        scaling.viaActivator("default", "hello-00001"), "the gateway goes via the activator");
    var inProcess = activator.get(activator.size() - 1).ready();
    assertEquals(1, inProcess.size());
    assertEquals(0, inProcess.get(0).port(), "reachable in process only");
    assertEquals("default.hello-00001.1", inProcess.get(0).instance());

    bound.complete();

    await("the gateway's endpoint", () -> gateway.ready("default", "hello-00001").size() == 1);
    assertEquals(41000, gateway.ready("default", "hello-00001").get(0).port());
    assertEquals(1, scaling.readyInstances(KEY), "the same instance, counted once");
    assertEquals(41000, activator.get(activator.size() - 1).ready().get(0).port());
  }
}
