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
            "skiff_cold_start_seconds_count{namespace=\"default\",revision=\"burst-00001\"}"),
        "cold starts are measured");
    assertTrue(
        metrics.contains(
            "skiff_activator_requests_total{namespace=\"default\",outcome=\"forwarded\",revision=\"burst-00001\"}"));
  }

  @Test
  void flipsFromActivatorToDirectUnderLoadWithoutFailures() throws Exception {
    Path wasm = Files.write(dir.resolve("greet.wasm"), Examples.wasm(Examples.GREET));
    // min-scale 3 gives enough spare capacity (3 x 100 > 211) for the gateway to go direct once
    // the instances are up; until then requests go through the activator.
    cli.ok("deploy", "flip", "--wasm", wasm.toString(), "--min-scale", "3", "--no-wait");
    List<Future<Http.Response>> all = new ArrayList<>();
    long start = System.nanoTime();
    // 1,000 requests per second for 6 seconds, paced by the clock.
    for (int i = 0; i < 6_000; i++) {
      long due = start + i * 1_000_000L;
      while (System.nanoTime() < due) {
        Thread.onSpinWait();
      }
      all.add(
          http.sendAsync(
              HttpMethod.GET, skiffd.gatewayPort(), "flip.default.localhost", "/", Map.of(), null));
    }
    Future.join(all).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    long bad = all.stream().filter(f -> f.failed() || f.result().status() != 200).count();
    assertEquals(0, bad, "failed requests while the path flipped");
    String metrics = http.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
    assertTrue(
        metrics.contains("outcome=\"forwarded\",revision=\"flip-00001\""),
        "some went via the activator");
    assertEquals(3, revision("flip-00001").at("/status/readyInstances").asInt());
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
