package dev.skiff.gateway;

import static dev.skiff.gateway.Services.delete;
import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.tagged;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Service;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Host routing, traffic splits, tags, unknown hosts and live route changes. */
class GatewayRoutingTest extends GatewayTestBase {

  private void deploy(String revision) {
    endpoints.publish(NS, revision, echoBackend(revision).endpoint());
  }

  @Test
  void tagHostRoutesToTheTaggedRevisionOnly() {
    deploy("hello-00001");
    deploy("hello-00002");
    gateway.onResourceEvent(
        put(
            service(
                NS,
                "hello",
                tagged("hello-00001", 100, "current"),
                tagged("hello-00002", 0, "candidate"))));

    for (int i = 0; i < 20; i++) {
      assertEquals("hello-00002", get("candidate-hello.default.localhost", "/").body().toString());
      assertEquals("hello-00001", get("current-hello.default.localhost", "/").body().toString());
      assertEquals("hello-00001", get(host("hello"), "/").header("x-skiff-revision"));
    }
  }

  /** hello: all traffic to 00001, 00002 tagged candidate at 0 %, with the given annotations. */
  private Service taggedService(Map<String, String> annotations) {
    Service s =
        service(
            NS,
            "hello",
            tagged("hello-00001", 100, "current"),
            tagged("hello-00002", 0, "candidate"));
    return s.withMetadata(
        new dev.skiff.api.model.ObjectMeta("hello", NS, null, null, null, null, null, annotations));
  }

  private String revisionForTagHeader(String tag) {
    RequestOptions o = at(host("hello"), HttpMethod.GET, "/").addHeader("Skiff-Revision-Tag", tag);
    return await(exchange(http1, o, null)).header("x-skiff-revision");
  }

  @Test
  void tagHeaderPicksTheTaggedRevisionWhenTheServiceEnablesIt() {
    deploy("hello-00001");
    deploy("hello-00002");
    gateway.onResourceEvent(put(taggedService(Map.of("skiff.dev/tag-header-routing", "enabled"))));

    for (int i = 0; i < 20; i++) {
      assertEquals("hello-00002", revisionForTagHeader("candidate"));
      assertEquals("hello-00001", revisionForTagHeader("current"));
      assertEquals("hello-00001", get(host("hello"), "/").header("x-skiff-revision"));
    }
  }

  @Test
  void tagHeaderWithAnUnknownTagFollowsTheSplit() {
    deploy("hello-00001");
    deploy("hello-00002");
    gateway.onResourceEvent(
        put(taggedService(Map.of("features.knative.dev/tag-header-based-routing", "Enabled"))));

    assertEquals("hello-00001", revisionForTagHeader("nosuchtag"));
    assertEquals("hello-00002", revisionForTagHeader("candidate"));
  }

  @Test
  void tagHeaderIsIgnoredUnlessTheServiceEnablesIt() {
    deploy("hello-00001");
    deploy("hello-00002");
    gateway.onResourceEvent(put(taggedService(Map.of())));

    for (int i = 0; i < 20; i++) {
      assertEquals("hello-00001", revisionForTagHeader("candidate"));
    }
  }

  @Test
  void eightyTwentySplitOverTwoThousandRequestsLandsWithinFivePercent() {
    deploy("split-00001");
    deploy("split-00002");
    gateway.onResourceEvent(
        put(service(NS, "split", to("split-00001", 80), to("split-00002", 20))));

    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      all.add(get(http1, host("split"), "/"));
    }
    Map<String, Long> served =
        await(Future.all(all)).<Response>list().stream()
            .collect(
                Collectors.groupingBy(r -> r.header("x-skiff-revision"), Collectors.counting()));

    double share = served.getOrDefault("split-00001", 0L) / 2000.0;
    assertEquals(2000L, served.values().stream().mapToLong(Long::longValue).sum());
    assertTrue(share >= 0.75 && share <= 0.85, "split-00001 served " + share + " of " + served);
  }

  @Test
  void unknownHostGetsJson404WithHowHostsAreFormed() {
    Response r = get("nope.default.localhost", "/");

    assertEquals(404, r.status());
    assertEquals("application/json", r.header("content-type"));
    JsonObject body = r.body().toJsonObject();
    assertEquals("no service 'nope' in namespace 'default'", body.getString("error"));
    assertTrue(body.getString("hint").contains("{service}.{namespace}.localhost"), body.encode());
    assertEquals(r.header("x-request-id"), body.getString("requestId"));
  }

  @Test
  void notFoundHintNamesTheNamespaceWhereTheServiceExists() {
    deploy("hello-00001");
    gateway.onResourceEvent(put(service("team-a", "hello", to("hello-00001", 100))));

    JsonObject body = get(host("hello"), "/").body().toJsonObject();

    assertTrue(body.getString("hint").contains("hello.team-a.localhost"), body.encode());
  }

  @Test
  void notFoundHintSaysWhenTheHostLacksTheDomain() {
    Response r = get("hello.default", "/");

    assertEquals(404, r.status());
    assertTrue(
        r.body().toJsonObject().getString("error").contains("not under the gateway's domain"));
  }

  @Test
  void deletedServiceStopsRouting() {
    deploy("gone-00001");
    Service gone = service(NS, "gone", to("gone-00001", 100));
    gateway.onResourceEvent(put(gone));
    assertEquals(200, get(host("gone"), "/").status());

    gateway.onResourceEvent(delete(gone));

    assertEquals(404, get(host("gone"), "/").status());
  }

  @Test
  void liveTableSwapUnderLoadFailsNoRequestAndAppliesNewWeights() {
    deploy("live-00001");
    deploy("live-00002");
    gateway.onResourceEvent(put(service(NS, "live", to("live-00001", 100))));
    AtomicInteger generation = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger completed = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<Integer, Map<String, Integer>> servedByGeneration = new ConcurrentHashMap<>();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < 32; w++) {
      workers.add(
          loop(
              running,
              () -> {
                int gen = generation.get();
                return get(http1, host("live"), "/")
                    .andThen(
                        ar -> {
                          completed.incrementAndGet();
                          if (ar.failed() || ar.result().status() != 200) {
                            failures.add(
                                ar.failed() ? ar.cause().toString() : ar.result().toString());
                          } else {
                            servedByGeneration
                                .computeIfAbsent(gen, g -> new ConcurrentHashMap<>())
                                .merge(ar.result().header("x-skiff-revision"), 1, Integer::sum);
                          }
                        });
              }));
    }

    String[] target = {"live-00001", "live-00002"};
    int swaps = 6;
    for (int s = 1; s <= swaps; s++) {
      int before = completed.get();
      eventually(
          Duration.ofSeconds(10), "load runs between swaps", () -> completed.get() > before + 100);
      gateway.onResourceEvent(put(service(NS, "live", to(target[s % 2], 100))));
      generation.set(s);
    }
    int before = completed.get();
    eventually(
        Duration.ofSeconds(10),
        "load runs after the last swap",
        () -> completed.get() > before + 300);
    running.set(false);
    await(Future.all(workers));

    assertTrue(failures.isEmpty(), "failed requests: " + failures);
    // Requests that started after the last swap returned must all see the last table.
    assertEquals(
        Map.of(
            target[swaps % 2],
            servedByGeneration.get(swaps).values().stream().mapToInt(Integer::intValue).sum()),
        servedByGeneration.get(swaps));
  }

  @Test
  void requestsAreCountedAndTimedPerRevision() {
    deploy("metered-00001");
    gateway.onResourceEvent(put(service(NS, "metered", to("metered-00001", 100))));

    for (int i = 0; i < 5; i++) {
      assertEquals(200, get(host("metered"), "/").status());
    }
    get("unknown.default.localhost", "/");

    eventually(
        Duration.ofSeconds(30),
        "all five requests are recorded",
        () -> {
          Counter c =
              registry
                  .find("skiff.gateway.requests")
                  .tags(
                      "namespace",
                      NS,
                      "service",
                      "metered",
                      "revision",
                      "metered-00001",
                      "code_class",
                      "2xx")
                  .counter();
          return c != null && c.count() == 5;
        });
    Timer t =
        registry.find("skiff.gateway.request.duration").tag("revision", "metered-00001").timer();
    assertEquals(5, t.count());
    assertTrue(
        histogramMeters.contains(t.getId()), "latency timer publishes a percentile histogram");
    eventually(
        Duration.ofSeconds(30),
        "the 404 is recorded",
        () ->
            registry.find("skiff.gateway.requests").tags("code", "404", "service", "none").counter()
                != null);
    eventually(
        Duration.ofSeconds(30),
        "in-flight drops to zero",
        () -> registry.get("skiff.gateway.requests.in.flight").gauge().value() == 0);
  }

  /** Runs {@code step} again and again, one at a time, until {@code running} is false. */
  private static Future<Void> loop(
      AtomicBoolean running, java.util.function.Supplier<Future<?>> step) {
    if (!running.get()) {
      return Future.succeededFuture();
    }
    return step.get().transform(ar -> loop(running, step));
  }
}
