package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import dev.skiff.gateway.spi.ActivatorRouting;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cold request path end to end: client -> real gateway -> real activator -> real backend, with
 * one endpoint view shared by gateway and activator as the node runtime provides it.
 */
class ThroughTheGatewayTest {
  private static final String NS = "default";
  private static final AtomicLong STORE_REVISION = new AtomicLong();

  private final io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
  private final SharedEndpoints endpoints = new SharedEndpoints();
  private final AtomicInteger pokes = new AtomicInteger();
  private final AtomicBoolean viaActivator = new AtomicBoolean();
  private final List<Backend> backends = new ArrayList<>();
  private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  private Activator activator;
  private Gateway gateway;

  @BeforeEach
  void start() {
    activator =
        Activator.builder()
            .withVertx(vertx)
            .withEndpointWatch(endpoints)
            .withPoker((ns, rev) -> pokes.incrementAndGet())
            .withStatsSink(stat -> {})
            .withMeterRegistry(registry)
            .withTicker(new ManualTicker())
            .withServerInstances(2)
            .build();
    await(activator.start("127.0.0.1", 0));
    ActivatorRouting routing = (ns, rev) -> viaActivator.get();
    gateway =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(endpoints)
            .withActivator(
                new dev.skiff.gateway.spi.Endpoint("127.0.0.1", activator.actualPort()), routing)
            .withServerInstances(2)
            .build();
    await(gateway.start("127.0.0.1", 0));
  }

  @AfterEach
  void stop() {
    await(gateway.close());
    await(activator.close());
    backends.forEach(b -> await(b.close()));
    await(vertx.close());
  }

  @Test
  void coldRevisionIsHeldByTheActivatorAndServedOnceAnInstanceIsReady() {
    deploy("cold", "cold-00001", null);
    HttpClient client = client();
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add(get(client, "cold", "/" + i));
    }
    eventually("the activator poked the autoscaler", () -> pokes.get() == 1);
    // Every request is held before the instance appears; later ones would go straight to it.
    eventually(
        "all 50 are queued in the activator",
        () -> {
          var g =
              registry.find("skiff.activator.queue.depth").tags("revision", "cold-00001").gauge();
          return g != null && g.value() == 50;
        });

    Backend b = backend("cold-00001");
    endpoints.publish(NS, "cold-00001", 0, b.endpoint());

    assertTrue(await(Future.all(all)).<Integer>list().stream().allMatch(s -> s == 200));
    assertEquals(50, b.seen.size());
    assertEquals(1, pokes.get());
    var seen = b.seen.peek().headers();
    assertEquals(
        "127.0.0.1", seen.get("x-forwarded-for"), "set by the gateway, kept by the activator");
    assertEquals(Activator.PROXIED_BY_VALUE, seen.get(Activator.PROXIED_BY_HEADER));
    assertNull(seen.get(Activator.REVISION_NAME_HEADER));
  }

  @Test
  void timeoutWhileQueuedReachesTheClientAsTheActivators503() {
    deploy("never", "never-00001", 1);

    RequestOptions o = at("never", "/");
    var r =
        await(
            client()
                .request(o)
                .compose(req -> req.send().compose(res -> res.body().map(b -> Map.entry(res, b)))));

    assertEquals(503, r.getKey().statusCode());
    assertEquals("1", r.getKey().getHeader("retry-after"));
    assertTrue(r.getValue().toJsonObject().getString("error").contains("1000 ms"));
  }

  @Test
  @Timeout(
      120) // a thousand requests over two hops took 26 s on a loaded machine: Await.await allows 30
  void flippingTheRoutingUnderLoadLosesAndDuplicatesNothing() {
    Backend b = backend("flip-00001").delay(1);
    endpoints.publish(NS, "flip-00001", 0, b.endpoint());
    deploy("flip", "flip-00001", null);

    int total = 1000;
    AtomicInteger issued = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 32; w++) {
      Promise<Void> done = Promise.promise();
      workers.add(done.future());
      work(client(), total, issued, answered, failures, done);
    }
    await(Future.all(workers), Duration.ofSeconds(100));

    assertEquals(List.of(), failures);
    Map<String, Long> byUri =
        b.seen.stream().collect(Collectors.groupingBy(Backend.Seen::uri, Collectors.counting()));
    assertEquals(total, byUri.size(), "every request reached the instance");
    assertTrue(byUri.values().stream().allMatch(c -> c == 1), "none reached it twice");
    long proxied =
        b.seen.stream().filter(s -> s.headers().contains(Activator.PROXIED_BY_HEADER)).count();
    assertTrue(
        proxied > 50 && proxied < total - 50, proxied + " of " + total + " via the activator");
  }

  private void work(
      HttpClient client,
      int total,
      AtomicInteger issued,
      AtomicInteger answered,
      List<String> failures,
      Promise<Void> done) {
    int i = issued.getAndIncrement();
    if (i >= total) {
      done.complete();
      return;
    }
    get(client, "flip", "/" + i)
        .onComplete(
            ar -> {
              if (ar.failed() || ar.result() != 200) {
                failures.add("/" + i + ": " + (ar.failed() ? ar.cause() : ar.result()));
              }
              if (answered.incrementAndGet() % 10 == 0) {
                viaActivator.set(!viaActivator.get());
              }
              work(client, total, issued, answered, failures, done);
            });
  }

  private Backend backend(String name) {
    Backend b = Backend.start(vertx, name);
    backends.add(b);
    return b;
  }

  private HttpClient client() {
    return vertx
        .httpClientBuilder()
        .with(new HttpClientOptions())
        .with(new PoolOptions().setHttp1MaxSize(100))
        .build();
  }

  private RequestOptions at(String service, String uri) {
    return new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(gateway.actualPort(), "127.0.0.1"))
        .setHost(service + "." + NS + ".localhost")
        .setPort(gateway.actualPort())
        .setMethod(HttpMethod.GET)
        .setURI(uri);
  }

  private Future<Integer> get(HttpClient client, String service, String uri) {
    // Read inside the request's compose: chained after it, a test thread races the response.
    return client
        .request(at(service, uri))
        .compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())));
  }

  private void deploy(String name, String revision, Integer timeoutSeconds) {
    RevisionTemplate template =
        new RevisionTemplate(
            "127.0.0.1:5000/fn:1", null, null, null, null, timeoutSeconds, null, null);
    List<TrafficTarget> traffic = List.of(TrafficTarget.revision(revision, 100));
    Service s =
        Service.of(ObjectMeta.of(NS, name), new ServiceSpec(template, traffic))
            .withStatus(new ServiceStatus(1L, revision, revision, null, traffic, null));
    gateway.onResourceEvent(
        new ResourceEvent(
            ResourceEvent.Type.PUT,
            Service.KIND,
            "/skiff/services/" + NS + "/" + name,
            STORE_REVISION.incrementAndGet(),
            Json.mapper().valueToTree(s)));
  }
}
