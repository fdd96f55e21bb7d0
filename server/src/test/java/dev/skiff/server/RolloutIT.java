package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradual rollouts and automatic rollback against a real skiffd under 1,000 requests a second:
 * {@code skiff traffic --rollout} moves the split in steps with no failed request, and a revision
 * that fails a fifth of its requests (the {@code flaky} example) is rolled back within its analysis
 * window while clients see fewer errors than the threshold.
 */
class RolloutIT {
  static final int RATE = 1000;

  /**
   * The share of {@link #RATE} the load must reach over a rollout for the test to count: 90 %,
   * since a rate run at a fraction of its load proves nothing about that load.
   */
  static final double ACHIEVED = 0.9;

  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Path flaky;
  static Path greet;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    cli = new Cli(skiffd);
    flaky = Files.write(dir.resolve("flaky.wasm"), Examples.wasm(Examples.FLAKY));
    greet = Files.write(dir.resolve("greet.wasm"), Examples.wasm(Examples.GREET));
  }

  @AfterAll
  static void stop() {
    skiffd.close();
  }

  static String host(String service) {
    return service + ".default.localhost";
  }

  static JsonNode rollout(String service) throws Exception {
    return cli.ok("describe", service, "-o", "json").json().path("status").path("rollout");
  }

  /**
   * How often the test asks for the rollout. Each ask runs the CLI in this JVM (picocli, TLS to the
   * API, JSON): at 5 a second it took a tenth of the CPU samples of a loaded run (JFR), CPU the
   * platform needed to serve the load; once a second is fine-grained enough for 30 s rollouts.
   */
  static final Duration POLL = Duration.ofSeconds(1);

  /** Polls the service's rollout until {@code done} holds, for at most {@code within}. */
  static JsonNode awaitRollout(String service, Duration within, Predicate<JsonNode> done)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode r = rollout(service);
    while (!done.test(r)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("rollout of " + service + " did not get there: " + r);
      }
      Thread.sleep(POLL.toMillis());
      r = rollout(service);
    }
    return r;
  }

  @Test
  @Timeout(240)
  void rolloutOverThirtySecondsUnderLoadMovesInStepsWithoutAFailedRequest() throws Exception {
    cli.ok("deploy", "steady", "--wasm", greet.toString(), "--min-scale", "1");
    cli.ok("traffic", "steady", "--rollout", "30s");
    try (RevisionLoad load = RevisionLoad.start(skiffd.gatewayPort(), host("steady"), RATE)) {
      awaitAnswers(load, "steady-00001");
      awaitRate(load);
      cli.ok("deploy", "steady", "--wasm", greet.toString(), "--env", "V=2", "--min-scale", "1");
      JsonNode started =
          awaitRollout(
              "steady", Duration.ofSeconds(20), r -> r.path("to").asText().equals("steady-00002"));
      long startSecond = load.second();
      // describe shows progress while it runs.
      String page = cli.ok("describe", "steady").out();
      assertTrue(page.contains("Rollout:") && page.contains("Progress:"), page);
      JsonNode done =
          awaitRollout(
              "steady", Duration.ofSeconds(60), r -> r.path("phase").asText().equals("Succeeded"));
      long endSecond = load.second();
      // Requests routed before the last step may still be answered for as long as the load's queue
      // takes (up to 256 in flight): judge the split a few seconds after the end.
      awaitSecond(load, endSecond + 6);
      load.stop();

      RevisionLoad.Achieved achieved = load.achieved(startSecond, endSecond);
      System.out.printf(
          "RolloutIT steady: over the rollout %s; whole run %d sent, %d failed; load average %s%n",
          achieved, load.sent(), load.failed(), loadAverage());
      assertAchieved(achieved, load);
      assertEquals(0, load.failed(), () -> "failed requests; " + load.timeline());
      assertEquals("steady-00001", started.path("from").asText());
      // The observed split moves in steps: its share in each fifth of the rollout grows.
      List<Double> shares = new ArrayList<>();
      long span = Math.max(5, endSecond - startSecond);
      for (int i = 0; i < 5; i++) {
        shares.add(
            load.share(
                "steady-00002", startSecond + span * i / 5, startSecond + span * (i + 1) / 5));
      }
      for (int i = 1; i < shares.size(); i++) {
        assertTrue(
            shares.get(i) > shares.get(i - 1),
            "share grows each fifth: " + shares + " " + load.timeline());
      }
      assertTrue(shares.get(0) < 0.25, "starts small: " + shares);
      assertTrue(shares.get(4) > 0.75, "ends large: " + shares);
      assertEquals(
          1.0, load.share("steady-00002", endSecond + 4, endSecond + 6), 0.0, load::timeline);
      assertEquals(30, done.path("durationSeconds").asInt());
    }
    String events = cli.ok("events", "steady").out();
    assertTrue(events.contains("RolloutStarted") && events.contains("RolloutSucceeded"), events);
  }

  @Test
  @Timeout(180)
  void aRevisionFailingAFifthOfItsRequestsIsRolledBackWithinItsWindow() throws Exception {
    cli.ok("deploy", "shaky", "--wasm", greet.toString(), "--min-scale", "1");
    cli.ok(
        "traffic",
        "shaky",
        "--rollout",
        "30s",
        "--max-error-rate",
        "5",
        "--analysis-window",
        "10s");
    try (RevisionLoad load = RevisionLoad.start(skiffd.gatewayPort(), host("shaky"), RATE)) {
      awaitAnswers(load, "shaky-00001");
      awaitRate(load);
      long deploySecond = load.second();
      cli.ok(
          "deploy",
          "shaky",
          "--wasm",
          flaky.toString(),
          "--env",
          "FAIL_PERCENT=20",
          "--min-scale",
          "1");
      JsonNode back =
          awaitRollout(
              "shaky",
              Duration.ofSeconds(30),
              r ->
                  !r.path("phase").asText("").isEmpty()
                      && !r.path("phase").asText().equals("Progressing"));
      long backSecond = load.second();
      awaitSecond(load, backSecond + 6);
      load.stop();
      // The errors clients saw while revision 2 took traffic: from its deployment until it stopped
      // answering (asserted below: nothing from it 4 s after the rollback), over every answer then.
      long after = backSecond + 4;
      RevisionLoad.Achieved achieved = load.achieved(deploySecond, backSecond);
      RevisionLoad.Achieved exposed = load.achieved(deploySecond, after);
      long errors =
          load.serverErrors(deploySecond, after).values().stream().mapToLong(Long::longValue).sum();
      double seen = 100.0 * errors / Math.max(1, exposed.answered());
      System.out.printf(
          "RolloutIT shaky: over the rollout %s; clients saw %d 5xx of %d answers (%.2f %%) in"
              + " seconds %d-%d, by revision %s; rolled back after %s; load average %s%n",
          achieved,
          errors,
          exposed.answered(),
          seen,
          deploySecond,
          after,
          load.serverErrors(),
          back.path("message").asText(),
          loadAverage());
      assertAchieved(achieved, load);

      assertEquals("RolledBack", back.path("phase").asText(), back::toString);
      assertEquals("ErrorRateExceeded", back.path("reason").asText());
      Duration took =
          Duration.between(
              Instant.parse(back.path("startedAt").asText()),
              Instant.parse(back.path("finishedAt").asText()));
      assertTrue(
          took.compareTo(Duration.ofSeconds(10)) <= 0, "rolled back within its window: " + took);
      assertTrue(errors > 0, "the bad revision did fail some requests: " + load.timeline());
      assertTrue(
          seen < 5,
          "clients saw "
              + seen
              + " % errors while revision 2 took traffic, not below the 5 %"
              + " threshold: "
              + load.timeline());
      assertEquals(0, load.answeredBy("shaky-00002", backSecond + 4), load::timeline);
      String page = cli.ok("describe", "shaky").out();
      assertTrue(page.contains("RolledBack") && page.contains("with 5xx in the last"), page);
    }
    String events = cli.ok("events", "shaky").out();
    assertTrue(events.contains("RolledBack") && events.contains("ErrorRateExceeded"), events);
  }

  /**
   * Fails the test when the load sent less than {@link #ACHIEVED} of {@link #RATE} over the seconds
   * it judges: a rollout under a tenth of its load proves nothing about 1,000 requests a second.
   */
  private static void assertAchieved(RevisionLoad.Achieved achieved, RevisionLoad load) {
    assertTrue(
        achieved.ofAsked() >= ACHIEVED,
        () ->
            "the load reached "
                + achieved
                + ", under "
                + Math.round(100 * ACHIEVED)
                + " % of the asked rate; the machine (load average "
                + loadAverage()
                + ") or the platform could not keep up: "
                + load.timeline());
  }

  /**
   * Waits up to 60 s until the load has sent at least {@link #ACHIEVED} of its rate for 3 whole
   * seconds in a row, so that the rollout starts under the load it is judged by (a fresh JVM is
   * still compiling the path in its first seconds); goes on if it never does, and the rate check
   * then says so.
   */
  private static void awaitRate(RevisionLoad load) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      long now = load.second();
      if (now >= 3 && load.achieved(now - 3, now).ofAsked() >= ACHIEVED) {
        return;
      }
      Thread.sleep(200); // poll interval of the load's own counts
    }
  }

  /** Polls until the load's run reaches {@code second} (the load's own clock, no fixed sleep). */
  private static void awaitSecond(RevisionLoad load, long second) throws InterruptedException {
    while (load.second() < second) {
      Thread.sleep(50);
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException | UnsupportedOperationException e) {
      return "unknown (" + e + ")";
    }
  }

  /** Waits until the load's answers come from {@code revision}, the service's first. */
  private static void awaitAnswers(RevisionLoad load, String revision) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (load.answeredBy(revision, 0) < 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no answers from " + revision + ": " + load.timeline());
      }
      Thread.sleep(100);
    }
  }
}
