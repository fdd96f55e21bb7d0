package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A revision's meters are registered off its first request's path: the request is admitted and
 * answered while they are still being registered, and afterwards the revision has the same meters
 * it always had (names, tags, histogram), with that request counted.
 */
class MetersOffTheRequestPathTest extends ActivatorTestBase {
  private final CountDownLatch registering = new CountDownLatch(1);
  private volatile boolean holdRegistration;

  @Override
  Activator.Builder configure(Activator.Builder builder) {
    // Holds whoever registers a queue-wait timer until the test lets go (at most 20 s, so a
    // request stuck behind it fails the test instead of hanging it).
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                if (holdRegistration && id.getName().equals("skiff.activator.queue.wait")) {
                  try {
                    registering.await(20, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
                return id;
              }
            });
    return builder;
  }

  @AfterEach
  void letGo() {
    registering.countDown();
  }

  @Test
  void firstRequestIsAnsweredWhileItsRevisionsMetersAreStillBeingRegistered() {
    Backend b = backend("slow-meters-00001");
    endpoints.publish(NS, "slow-meters-00001", 0, b.endpoint());
    holdRegistration = true;

    Response r = await(get("slow-meters-00001", "/"), Duration.ofSeconds(10));

    assertEquals(200, r.status());
    assertEquals(0, registry.find("skiff.activator.queue.wait").timers().size(), "still held");
    registering.countDown();
    eventually(
        "the request's queue wait is recorded", () -> queueWaitCount("slow-meters-00001") == 1);
    assertRevisionMeters("slow-meters-00001");
  }

  @Test
  void requestsRacingToARevisionsFirstSightAreEachCountedByTheOneStateThatWon() {
    int n = 40; // over both server instances, so over two event loops
    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(get("race-00001", "/" + i));
    }
    // The gauges read the state that won: a loser's would stay at 0.
    eventually("all are queued", () -> queued("race-00001") == n && concurrency("race-00001") == n);
    assertEquals(1, endpoints.listeners(NS, "race-00001"), "one subscription kept");

    Backend b = backend("race-00001");
    endpoints.publish(NS, "race-00001", 0, b.endpoint());

    assertTrue(await(Future.all(all)).<Response>list().stream().allMatch(r -> r.status() == 200));
    eventually("every wait is recorded", () -> queueWaitCount("race-00001") == n);
    assertRevisionMeters("race-00001");
    assertEquals(0, queued("race-00001"));
  }

  private long queueWaitCount(String revision) {
    Timer t = registry.find("skiff.activator.queue.wait").tags("revision", revision).timer();
    return t == null ? 0 : t.count();
  }

  /** One of each of the revision's meters, tagged as docs/metrics.md says. */
  private void assertRevisionMeters(String revision) {
    Tags tags = Tags.of("namespace", NS, "revision", revision);
    for (String name :
        List.of(
            "skiff.activator.queue.wait",
            "skiff.activator.queue.depth",
            "skiff.activator.concurrency")) {
      List<Meter> found = List.copyOf(registry.find(name).tags(tags).meters());
      assertEquals(1, found.size(), name + " " + tags);
      assertEquals(tags, Tags.of(found.get(0).getId().getTags()), name);
    }
    assertTrue(
        histogramMeters.stream()
            .anyMatch(
                id ->
                    id.getName().equals("skiff.activator.queue.wait")
                        && revision.equals(id.getTag("revision"))),
        "the queue-wait timer publishes a percentile histogram");
  }
}
