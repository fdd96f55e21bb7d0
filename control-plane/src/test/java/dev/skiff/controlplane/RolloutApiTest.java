package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.controlplane.spi.RevisionMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradual rollouts through the real control plane: the controller steps them as the (hand-driven)
 * clock moves, picks them up after a restart from the store, and rolls them back on the figures its
 * {@link RevisionMetrics} reports.
 */
class RolloutApiTest {
  static final String SERVICES = "/v1/namespaces/default/services";
  static final String REVISIONS = "/v1/namespaces/default/revisions";

  @TempDir Path dir;
  final HandClock clock = new HandClock(Instant.parse("2026-06-01T00:00:00Z"));
  final Map<String, RevisionMetrics.Figures> figures = new ConcurrentHashMap<>();
  ApiFixture api;

  ApiFixture start() throws Exception {
    return new ApiFixture(
        dir,
        ControlPlane.builder()
            .withClock(clock)
            .withRolloutTick(Duration.ofMillis(20))
            .withRevisionMetrics(
                (ns, revision, window) ->
                    figures.getOrDefault(revision, RevisionMetrics.Figures.NONE)));
  }

  @AfterEach
  void stop() throws Exception {
    if (api != null) {
      api.close();
    }
  }

  static String service(String image) {
    return """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello",
         "annotations":{"serving.knative.dev/rollout-duration":"30s",
                        "skiff.dev/analysis-window":"10s"}},
         "spec":{"template":{"image":"%s"}}}"""
        .formatted(image);
  }

  void ready(String revision) throws Exception {
    var r =
        api.call(
            "PUT",
            REVISIONS + "/" + revision + "/status",
            "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}");
    assertEquals(200, r.status(), r.body());
  }

  /** Revision 1 serves; revision 2 is made and becomes ready, which starts the rollout. */
  void rollOutRevisionTwo() throws Exception {
    assertEquals(201, api.call("POST", SERVICES, service("registry/hello:1")).status());
    ready("hello-00001");
    assertEquals(200, api.call("PUT", SERVICES + "/hello", service("registry/hello:2")).status());
    ready("hello-00002");
  }

  JsonNode status() throws Exception {
    return api.call("GET", SERVICES + "/hello").json().path("status");
  }

  JsonNode awaitStatus(Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode st = status();
    while (!done.test(st)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("status never got there: " + st);
      }
      Thread.sleep(20);
      st = status();
    }
    return st;
  }

  @Test
  void theRolloutStepsWithTheClockAndGoesOnAfterARestart() throws Exception {
    api = start();
    rollOutRevisionTwo();
    JsonNode st = status();
    assertEquals("Progressing", st.at("/rollout/phase").asText());
    assertEquals(1, st.at("/rollout/percent").asInt());
    assertEquals(99, st.at("/traffic/0/percent").asInt());
    assertEquals("hello-00002", st.at("/traffic/1/revisionName").asText());

    clock.advance(Duration.ofSeconds(15));
    st = awaitStatus(s -> s.at("/rollout/percent").asInt() == 50);
    assertEquals(50, st.at("/traffic/1/percent").asInt());
    assertEquals(50, st.at("/traffic/0/percent").asInt());

    api.close();
    api = start();
    clock.advance(Duration.ofSeconds(5));
    awaitStatus(s -> s.at("/rollout/percent").asInt() == 1 + 99 * 20 / 30);
    clock.advance(Duration.ofSeconds(10));
    st = awaitStatus(s -> s.at("/rollout/phase").asText().equals("Succeeded"));
    assertEquals(1, st.path("traffic").size(), st.toString());
    assertEquals("hello-00002", st.at("/traffic/0/revisionName").asText());
    assertEquals(100, st.at("/traffic/0/percent").asInt());
  }

  @Test
  void tooMany5xxRollTheRolloutBackAndTheEventSaysWhy() throws Exception {
    api = start();
    figures.put(
        "hello-00002",
        new RevisionMetrics.Figures(100, 20, Duration.ofMillis(3), Duration.ofSeconds(10)));
    rollOutRevisionTwo();
    clock.advance(Duration.ofSeconds(2));
    JsonNode st = awaitStatus(s -> s.at("/rollout/phase").asText().equals("RolledBack"));
    assertEquals("ErrorRateExceeded", st.at("/rollout/reason").asText());
    assertTrue(
        st.at("/rollout/message").asText().contains("answered 20 of 100 requests with 5xx"),
        st.toString());
    assertEquals(1, st.path("traffic").size(), st.toString());
    assertEquals("hello-00001", st.at("/traffic/0/revisionName").asText());
    assertEquals(100, st.at("/traffic/0/percent").asInt());

    // Time going on changes nothing: the rolled back revision stays out.
    clock.advance(Duration.ofSeconds(60));
    Thread.sleep(100);
    assertEquals("hello-00001", status().at("/traffic/0/revisionName").asText());

    String events = api.call("GET", "/v1/namespaces/default/events").body();
    assertTrue(events.contains("\"reason\":\"RolloutStarted\""), events);
    assertTrue(events.contains("\"reason\":\"RolledBack\""), events);
    assertTrue(
        events.contains("ErrorRateExceeded: revision hello-00002 answered 20 of 100"), events);
  }

  @Test
  void aMalformedPolicyAnnotationIsRefusedWithItsName() throws Exception {
    api = start();
    var r = api.call("POST", SERVICES, service("registry/hello:1").replace("\"30s\"", "\"soon\""));
    assertEquals(422, r.status(), r.body());
    assertTrue(
        r.fields().contains("metadata.annotations[serving.knative.dev/rollout-duration]"),
        r.body());
  }

  /** A clock the test moves. */
  static final class HandClock extends Clock {
    private volatile Instant now;

    HandClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
