package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Wasm service scales 0 → N → 0 through gateway, activator, autoscaler and node agent. */
class ScaleToZeroIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"), 1);
    cli = new Cli(skiffd);
    http = new Http(HttpVersion.HTTP_1_1);
  }

  @AfterAll
  static void stop() {
    http.close();
    skiffd.close();
  }

  @Test
  void burstAtZeroIsAnsweredInFullThenScalesBackToZero() throws Exception {
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    // The shortest stable window Knative allows, so the test sees scale-to-zero in seconds.
    cli.ok(
        "deploy",
        "burst",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/window=6s",
        "--annotation",
        "autoscaling.knative.dev/target=10");
    awaitReady("burst-00001", n -> n == 0, 60);
    System.gc();
    long idleHeap = usedHeap();

    List<Future<Http.Response>> burst = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      burst.add(
          http.sendAsync(
              HttpMethod.GET,
              skiffd.gatewayPort(),
              "burst.default.localhost",
              "/?name=r" + i,
              Map.of(),
              null));
    }
    Future.join(burst).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < burst.size(); i++) {
      var f = burst.get(i);
      if (f.failed()) {
        failed.add(i + ": " + f.cause());
      } else if (f.result().status() != 200
          || !f.result().text().trim().equals("Hello, r" + i + "!")) {
        failed.add(i + ": " + f.result().status() + " " + f.result().text());
      }
    }
    assertEquals(List.of(), failed, "every request of the burst answered");
    assertTrue(revision("burst-00001").at("/status/readyInstances").asInt() >= 1);

    // Idle again: back to zero after the stable window and the grace period.
    awaitReady("burst-00001", n -> n == 0, 60);
    System.gc();
    long after = usedHeap();
    assertTrue(
        after < idleHeap + (64L << 20),
        "heap back near idle: " + (after >> 20) + " MiB vs " + (idleHeap >> 20) + " MiB");
    String metrics = http.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
    assertTrue(
        metrics.contains(
            "skiff_node_cold_start_duration_seconds_count{namespace=\"default\",revision=\"burst-00001\",service=\"burst\"}"),
        "cold starts are measured");
    assertTrue(
        metrics.contains(
            "skiff_activator_requests_total{namespace=\"default\",outcome=\"forwarded\",revision=\"burst-00001\"}"));
  }

  @Test
  void flipsFromActivatorToDirectUnderLoadWithoutFailures() throws Exception {
    Path wasm = Files.write(dir.resolve("greet.wasm"), Examples.wasm(Examples.GREET));
    // Created at zero (initial-scale 0), so the first requests find no instance and must go via
    // the activator; with no burst capacity to keep (target-burst-capacity 0) the gateway goes
    // direct as soon as an instance is ready, under load.
    cli.ok(
        "deploy",
        "flip",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/initial-scale=0",
        "--annotation",
        "autoscaling.knative.dev/target-burst-capacity=0",
        "--no-wait");
    List<Future<Http.Response>> all = new ArrayList<>();
    long start = System.nanoTime();
    // 1,000 requests per second for 6 seconds, paced by the clock: every millisecond the test
    // sends what is due by then. It sleeps in between instead of spinning, which would take one of
    // CI's two cores from the skiffd under test.
    for (int i = 0; i < 6_000; ) {
      long due = Math.min(6_000, (System.nanoTime() - start) / 1_000_000L + 1);
      for (; i < due; i++) {
        all.add(
            http.sendAsync(
                HttpMethod.GET,
                skiffd.gatewayPort(),
                "flip.default.localhost",
                "/",
                Map.of(),
                null));
      }
      Thread.sleep(1); // a pacing interval, not a wait for a condition
    }
    Future.join(all).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    List<String> bad = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      var f = all.get(i);
      if ((f.failed() || f.result().status() != 200) && bad.size() < 5) {
        bad.add(
            i + ": " + (f.failed() ? f.cause() : f.result().status() + " " + f.result().text()));
      }
    }
    long failed = all.stream().filter(f -> f.failed() || f.result().status() != 200).count();
    assertEquals(0, failed, "failed requests while the path flipped, the first: " + bad);
    assertTrue(revision("flip-00001").at("/status/readyInstances").asInt() >= 1);

    // Hops, counted: the gateway counts every request it answers, the activator every one it
    // forwarded. Those the gateway answered without the activator went direct. Both count a
    // request once its response is written, which may be just after the client read it.
    awaitCount("gateway", () -> gatewayRequests("flip-00001"), all.size());
    long answered = gatewayRequests("flip-00001");
    long viaActivator = activatorRequests("flip-00001");
    assertEquals(all.size(), answered, "the gateway answered every request");
    assertTrue(viaActivator > 0, "some went via the activator while at zero");
    assertTrue(
        viaActivator < answered,
        "some went direct under load: " + viaActivator + " of " + answered + " via the activator");

    // Once flipped, requests go direct: the gateway's count grows, the activator's does not.
    for (int i = 0; i < 100; i++) {
      assertEquals(
          200,
          http.send(
                  HttpMethod.GET,
                  skiffd.gatewayPort(),
                  "flip.default.localhost",
                  "/",
                  Map.of(),
                  null)
              .status());
    }
    awaitCount("gateway", () -> gatewayRequests("flip-00001"), answered + 100);
    assertEquals(answered + 100, gatewayRequests("flip-00001"));
    assertEquals(viaActivator, activatorRequests("flip-00001"), "the activator saw none of them");
  }

  interface Count {
    long get() throws Exception;
  }

  /** Polls {@code count} until it reaches {@code expected}, failing after 30 s. */
  private static void awaitCount(String what, Count count, long expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long now;
    while ((now = count.get()) < expected) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + " counted " + now + " requests, not " + expected);
      }
      Thread.sleep(50);
    }
  }

  /** Requests the gateway answered for {@code revision}, any status. */
  private static long gatewayRequests(String revision) throws Exception {
    return sum("skiff_gateway_requests_total{", revision);
  }

  /** Requests that went through the activator for {@code revision}, any outcome. */
  private static long activatorRequests(String revision) throws Exception {
    return sum("skiff_activator_requests_total{", revision);
  }

  private static long sum(String series, String revision) throws Exception {
    String metrics = http.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
    double total = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series) && line.contains("revision=\"" + revision + "\"")) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) total;
  }

  private static JsonNode revision(String name) throws Exception {
    return Json.mapper()
        .readTree(
            http.send(
                    io.vertx.core.http.HttpMethod.GET,
                    skiffd.skiffd.apiPort(),
                    "127.0.0.1",
                    "/v1/namespaces/default/revisions/" + name,
                    skiffd.auth(),
                    null)
                .text());
  }

  private static void awaitReady(String rev, IntPredicate done, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode r;
    do {
      r = revision(rev);
      if (r.at("/status/readyInstances").isInt()
          && done.test(r.at("/status/readyInstances").asInt())) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(
        "revision " + rev + " did not reach the expected scale: " + r.at("/status"));
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
