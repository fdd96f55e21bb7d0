package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.eventing.Broker;
import dev.skiff.eventing.Dispatcher;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.meshproxy.Callee;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.MeshCaller;
import dev.skiff.meshproxy.Sidecar;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.routing.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with the mesh, as skiffd wires it: a real KRaft broker, {@link MeshEventSink} over
 * a real {@link MeshCaller} with eventing's own identity, and real sidecars with certificates of a
 * test CA, one served in process (as skiffd's Wasm instances are) and one over mTLS.
 */
class EventsMeshIT {
  private static final String TD = "skiff.local";
  private static final String EVENTING = "spiffe://skiff.local/skiff/eventing";

  private final Vertx vertx = Vertx.vertx();
  private final TestCa ca = TestCa.create("mesh");
  private final List<Sidecar> sidecars = new CopyOnWriteArrayList<>();
  private final Map<String, List<Callee>> ready = new ConcurrentHashMap<>();
  private final List<Service> services = new CopyOnWriteArrayList<>();
  private final List<IdentityProvider> identities = new CopyOnWriteArrayList<>();
  private Broker broker;
  private MeshCaller mesh;
  private Dispatcher dispatcher;
  private long revision;

  @BeforeEach
  void start() throws Exception {
    broker = Broker.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (dispatcher != null) {
      await(dispatcher.close());
    }
    if (mesh != null) {
      mesh.close();
    }
    sidecars.forEach(s -> await(s.stop(Duration.ZERO)));
    identities.forEach(IdentityProvider::stop);
    await(vertx.close());
    broker.close();
  }

  @Test
  void aFunctionSeesEventingsIdentityAndAPolicyWithoutEventingDeadLetters403() throws Exception {
    List<String> callers = new CopyOnWriteArrayList<>();
    // Served in process, as a Wasm instance in skiffd; the default policy admits eventing.
    Sidecar open =
        sidecar(
            "open",
            AuthorizationPolicy.defaultFor(TD, "default"),
            req -> {
              callers.add(String.valueOf(req.getHeader("x-forwarded-client-cert")));
              req.body().onSuccess(b -> req.response().setStatusCode(202).end());
            });
    // Over mTLS; only the gateway and the activator may call it.
    sidecar(
        "closed",
        AuthorizationPolicy.of(
            List.of(
                SpiffeId.component(TD, "gateway").uri(),
                SpiffeId.component(TD, "activator").uri())),
        req -> req.response().end("never"));
    RouteTable table = RouteTable.build(services, "localhost", Duration.ofSeconds(30));
    mesh =
        MeshCaller.builder()
            .withVertx(vertx)
            .withRoutes(() -> table)
            .withDomain("localhost")
            .withEndpoints(endpoints())
            .withLocalCallees(c -> c.port() == open.port() ? open : null)
            .build();
    IdentityProvider eventing = identity(SpiffeId.component(TD, "eventing"));
    dispatcher =
        Dispatcher.builder()
            .withVertx(vertx)
            .withEventSink(new MeshEventSink(mesh, eventing, "localhost"))
            .withStatusSink(new Dispatcher.MemoryStatusSink())
            .withCommitPeriod(Duration.ofMillis(200))
            .withStatusPeriod(Duration.ofMillis(300))
            .build()
            .start();
    broker.createTopic("to-open", 2);
    broker.createTopic("to-closed", 1);
    broker.createTopic("dead-letters", 1);
    services.forEach(s -> dispatcher.onResourceEvent(put("services", s)));
    dispatcher.onResourceEvent(put("triggers", trigger("to-open", "open", null)));
    dispatcher.onResourceEvent(put("triggers", trigger("to-closed", "closed", "dead-letters")));

    broker.sendValues("to-open", List.of("a", "b", "c"));
    broker.sendValues("to-closed", List.of("x"));

    List<String> codes =
        broker.headerValues("dead-letters", "ce_knativeerrorcode", 1, Duration.ofSeconds(60));
    assertEquals(List.of("403"), codes);
    String data =
        new String(
            Base64.getDecoder()
                .decode(
                    broker
                        .headerValues(
                            "dead-letters", "ce_knativeerrordata", 1, Duration.ofSeconds(30))
                        .get(0)),
            StandardCharsets.UTF_8);
    assertTrue(data.contains("caller " + EVENTING + " is not allowed"), data);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (callers.size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(3, callers.size(), callers.toString());
    for (String xfcc : callers) {
      assertEquals("By=spiffe://skiff.local/ns/default/svc/open;URI=" + EVENTING, xfcc);
    }
  }

  private Sidecar sidecar(
      String service, AuthorizationPolicy policy, Handler<HttpServerRequest> workload) {
    String rev = service + "-00001";
    IdentityProvider id = identity(SpiffeId.workload(TD, "default", service));
    Sidecar s =
        Sidecar.builder()
            .withVertx(vertx)
            .withSharedIdentity(id)
            .withRevision(RevisionKey.of("default", rev))
            .withPolicy(policy)
            .withWorkload(workload)
            .withMeterRegistry(new SimpleMeterRegistry())
            .withDrainGrace(Duration.ZERO)
            .build();
    await(s.start("127.0.0.1", 0, 0));
    sidecars.add(s);
    ready.put(rev, List.of(new Callee("127.0.0.1", s.port(), id.id().uri())));
    List<TrafficTarget> traffic = List.of(TrafficTarget.revision(rev, 100));
    services.add(
        Service.of(
                ObjectMeta.of("default", service),
                new ServiceSpec(
                    new RevisionTemplate("r/fn:1", null, null, null, null, null, null, null),
                    traffic))
            .withStatus(new ServiceStatus(1L, null, null, null, traffic, null)));
    return s;
  }

  private IdentityProvider identity(SpiffeId id) {
    IdentityProvider p =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(id)
            .withIssuer(ca.issuer())
            .withTtl(Duration.ofHours(1))
            .build();
    await(p.start());
    identities.add(p);
    return p;
  }

  private CalleeEndpoints endpoints() {
    return new CalleeEndpoints() {
      @Override
      public List<Callee> ready(String namespace, String revision) {
        return ready.getOrDefault(revision, List.of());
      }

      @Override
      public Future<List<Callee>> awaitReady(String namespace, String revision, Duration t) {
        return Future.succeededFuture(ready(namespace, revision));
      }
    };
  }

  private Trigger trigger(String topic, String service, String deadLetters) {
    ObjectMeta m = new ObjectMeta(topic, "default", 1L, 1L, "uid-" + topic, null, null, null);
    return Trigger.of(
        m,
        new TriggerSpec(
            topic,
            null,
            broker.bootstrap(),
            service,
            "/events",
            null,
            "earliest",
            "unordered",
            null,
            null,
            null,
            null,
            new DeliverySpec(1, "linear", "PT0.01S", deadLetters, "PT5S")));
  }

  private ResourceEvent put(String plural, Resource r) {
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        r.kind(),
        "/skiff/" + plural + "/" + r.metadata().namespaceOrDefault() + "/" + r.metadata().name(),
        ++revision,
        Json.mapper().valueToTree(r));
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
