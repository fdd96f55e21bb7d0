package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh's day compressed into seconds under load: skiffd with 20 s leaves (renewed every 12-14
 * s, so a renewal that a loaded machine delays by several seconds still lands before the leaf
 * expires), a 1 s bundle refresh and a 6 s root switch delay (several refreshes, for the same
 * reason), and 500 requests a second through the gateway over keep-alive HTTP/1.1 connections, half
 * straight to a sidecar, half through the activator. Meanwhile every identity renews several times
 * and {@code skiff mesh rotate-root} runs to its {@code --finish}; not one request may fail.
 */
class MeshRotationIT {
  private static final MeshTimings FAST =
      new MeshTimings(
          Duration.ofSeconds(20),
          Duration.ofSeconds(1),
          Duration.ofSeconds(6),
          Duration.ofSeconds(1));
  private static final int RATE = 500;
  private static final String TD = "spiffe://skiff.local";
  private static final List<String> IDENTITIES =
      List.of(
          TD + "/skiff/gateway",
          TD + "/skiff/activator",
          TD + "/ns/default/svc/hello",
          TD + "/ns/default/svc/proxied");

  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static MeshProbe probe;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    skiffd =
        RunningSkiffd.start(
            dir.resolve("data"),
            30,
            o -> {
              o.meshSwitch = "on";
              o.meshTimings = FAST;
            });
    http = new Http(HttpVersion.HTTP_1_1);
    probe = new MeshProbe(skiffd, http, dir);
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    // No burst capacity to keep: once its instance is ready, the gateway calls its sidecar itself.
    probe
        .cli()
        .ok(
            "deploy",
            "hello",
            "--wasm",
            wasm.toString(),
            "--annotation",
            MeshProbe.MIN_SCALE,
            "--annotation",
            "autoscaling.knative.dev/target-burst-capacity=0");
    // No burst capacity ever suffices: the activator stays in this service's path.
    probe
        .cli()
        .ok(
            "deploy",
            "proxied",
            "--wasm",
            wasm.toString(),
            "--annotation",
            MeshProbe.MIN_SCALE,
            "--annotation",
            "autoscaling.knative.dev/target-burst-capacity=-1");
    probe.readyInstance("hello");
    probe.readyInstance("proxied");
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  @Timeout(300)
  void renewalsAndARootRotationUnder500RequestsASecondFailNoRequest() throws Exception {
    for (String service : List.of("hello", "proxied")) {
      await(
          Duration.ofSeconds(60),
          service + " answers 200 through the gateway",
          () ->
              http.get(skiffd.gatewayPort(), service + ".default.localhost", "/").status() == 200);
    }
    String oldBundle = probe.cli().ok("mesh", "ca").out();
    Map<String, Long> before = skiffd.skiffd.meshRenewals();
    double proxiedBefore = activatorRequests();
    long started = System.nanoTime();

    MeshLoad.Totals totals;
    String newRoot;
    try (MeshLoad load =
        MeshLoad.start(
            skiffd.gatewayPort(),
            List.of("hello.default.localhost", "proxied.default.localhost"),
            RATE)) {
      await(
          Duration.ofSeconds(60),
          "3 s worth of requests answered",
          () -> load.answered() >= 3 * RATE);

      // 1. A new root joins the bundle; after the switch delay it signs every new leaf. Found as
      // the root that is not the old one: on a loaded machine the switch delay may be over, and
      // the new root no longer "next", by the time the status is read.
      String oldRoot = rootIn("active");
      probe.cli().ok("mesh", "rotate-root");
      newRoot = rootOtherThan(oldRoot);
      await(
          Duration.ofSeconds(60), "the new root is active", () -> newRoot.equals(rootIn("active")));
      // 2. Every holder renews onto it (at 70 % of its 10 s leaf) while requests go on.
      for (String id : IDENTITIES) {
        await(
            Duration.ofSeconds(60),
            id + " serves a leaf of the new root",
            () -> onRoot(id, newRoot),
            () -> status() + "\n" + expiryLines(id));
      }
      // 3. The old root leaves the bundle, with the load still running.
      probe.cli().ok("mesh", "rotate-root", "--finish");
      Map<String, Long> atFinish = skiffd.skiffd.meshRenewals();
      for (String id : IDENTITIES) {
        await(
            Duration.ofSeconds(60),
            id + " renewed again after the finish and at least 3 times in all",
            () -> {
              long now = skiffd.skiffd.meshRenewals().getOrDefault(id, 0L);
              return now > atFinish.get(id) && now - before.getOrDefault(id, 0L) >= 3;
            });
      }
      totals = load.stop();
    }
    Map<String, Long> after = skiffd.skiffd.meshRenewals();
    double seconds = (System.nanoTime() - started) / 1e9;
    double proxied = activatorRequests() - proxiedBefore;
    System.out.printf(
        "MeshRotationIT: %d requests in %.1f s (%.0f/s), %d answered 200, %d failed %s;"
            + " (by kind %s); through the activator %.0f; renewals %s -> %s%n",
        totals.sent(),
        seconds,
        totals.sent() / totals.seconds(),
        totals.ok(),
        totals.failed(),
        totals.firstFailures(),
        totals.failureKinds(),
        proxied,
        before,
        after);

    assertEquals(0, totals.failed(), "failed requests: " + totals.firstFailures());
    assertEquals(totals.sent(), totals.ok(), "every request answered 200");
    assertTrue(totals.sent() >= 5 * RATE, "the load ran: " + totals.sent());
    assertTrue(
        proxied > 0 && proxied < totals.sent(),
        "some requests went through the activator, others straight to a sidecar: " + proxied);
    // At 70 % less at most 10 % jitter a 20 s leaf renews every 12 to 14 s: several times in the
    // run, and never in a loop (a retry after a failure would not count).
    long most = (long) (seconds / (FAST.leafTtl().toSeconds() * 0.6)) + 2;
    for (String id : IDENTITIES) {
      long renewed = after.get(id) - before.get(id);
      assertTrue(
          renewed >= 3 && renewed <= most,
          id + " renewed " + renewed + " times in " + seconds + " s: " + before + " -> " + after);
    }
    // The bundle holds the new root alone, and the sidecar proves its chain to it.
    String bundle = probe.cli().ok("mesh", "ca").out();
    assertEquals(1, count(bundle, "BEGIN CERTIFICATE"), bundle);
    assertNotEquals(oldBundle, bundle);
    assertEquals(List.of(newRoot), rootsInStatus());
    Path caller = probe.issue("default", "caller");
    MeshProbe.Run r =
        MeshProbe.sClient(dir, probe.readyInstance("hello").get("address").asText(), caller);
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("Verify return code: 0 (ok)"), r.out());
  }

  /** The fingerprint of the status' root in {@code state}, or "" when there is none. */
  private static String rootIn(String state) throws Exception {
    for (JsonNode root : status().get("roots")) {
      if (state.equals(root.get("state").asText())) {
        return root.get("fingerprint").asText();
      }
    }
    return "";
  }

  /** The fingerprint of the one root in the status other than {@code old}. */
  private static String rootOtherThan(String old) throws Exception {
    List<String> others = new java.util.ArrayList<>(rootsInStatus());
    others.remove(old);
    assertEquals(1, others.size(), "one root besides " + old + ": " + status());
    return others.get(0);
  }

  private static List<String> rootsInStatus() throws Exception {
    List<String> out = new java.util.ArrayList<>();
    status().get("roots").forEach(r -> out.add(r.get("fingerprint").asText()));
    return out;
  }

  private static JsonNode status() throws Exception {
    return Json.mapper().readTree(probe.cli().ok("mesh", "status", "-o", "json").out());
  }

  /**
   * Whether {@code id}'s holder serves a leaf of {@code root}: the CA issued one under it, and the
   * holder's expiry gauge on /metrics (set once its listeners and clients took the certificate) is
   * at least that leaf's.
   */
  private static boolean onRoot(String id, String root) throws Exception {
    Instant issued = null;
    for (JsonNode i : status().get("identities")) {
      if (id.equals(i.get("spiffeId").asText()) && root.equals(i.get("root").asText())) {
        issued = Instant.parse(i.get("notAfter").asText());
      }
    }
    OptionalDouble served =
        expiryLines(id).stream()
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .min();
    return issued != null && served.isPresent() && served.getAsDouble() >= issued.getEpochSecond();
  }

  /** The certificate expiry gauges of {@code id} on /metrics. */
  private static List<String> expiryLines(String id) throws Exception {
    return metrics()
        .lines()
        .filter(l -> l.contains("certificate_expiry") && l.contains("identity=\"" + id + "\""))
        .toList();
  }

  private static double activatorRequests() throws Exception {
    return metrics()
        .lines()
        .filter(l -> l.startsWith("skiff_activator_requests_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static String metrics() throws Exception {
    return http.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
  }

  private static int count(String text, String word) {
    return text.split(word, -1).length - 1;
  }

  private static void await(Duration limit, String what, MeshProbe.Check check) throws Exception {
    await(limit, what, check, () -> "");
  }

  interface Detail {
    String get() throws Exception;
  }

  private static void await(Duration limit, String what, MeshProbe.Check check, Detail detail)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + limit + " waiting until " + what + "\n" + detail.get());
      }
      Thread.sleep(100);
    }
  }
}
