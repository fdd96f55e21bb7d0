package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-second reports: average concurrency from ten samples 100 ms apart (the test fires the
 * ticker), peak concurrency, request count; queued and in-flight requests both count.
 */
class StatsTest extends ActivatorTestBase {

  @Test
  void reportsAverageAndPeakConcurrencyAndRequestCountEverySecond() {
    List<Future<Response>> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add(get("stats-00001", "/" + i));
    }
    eventually("four are queued", () -> queued("stats-00001") == 4);

    // Second 1: four requests queued throughout.
    ticker.tick(10);
    assertEquals(1, statsFor("stats-00001").size());
    Stat first = statsFor("stats-00001").get(0);
    assertEquals(RevisionKey.of(NS, "stats-00001"), first.revision());
    assertEquals(Stat.ACTIVATOR, first.instance());
    assertEquals(T0, first.time());
    assertEquals(4.0, first.averageConcurrency(), 1e-9);
    assertEquals(4.0, first.peakConcurrency(), 1e-9);
    assertEquals(4.0, first.requestCount(), 1e-9);

    // Second 2: forwarded and in flight for half of it, then two finish.
    Backend b = backend("stats-00001").hold();
    endpoints.publish(NS, "stats-00001", 0, b.endpoint());
    eventually("the backend holds all four", () -> b.heldCount() == 4);
    ticker.tick(5);
    b.releaseSome(2);
    eventually("two are done", () -> concurrency("stats-00001") == 2);
    ticker.tick(5);
    Stat second = statsFor("stats-00001").get(1);
    assertEquals(3.0, second.averageConcurrency(), 1e-9); // (5 x 4 + 5 x 2) / 10
    assertEquals(4.0, second.peakConcurrency(), 1e-9);
    assertEquals(0.0, second.requestCount(), 1e-9);

    // Second 3: the last two finish before the first sample; the peak remembers them.
    b.release();
    await(Future.all(all));
    eventually("all are done", () -> concurrency("stats-00001") == 0);
    ticker.tick(10);
    Stat third = statsFor("stats-00001").get(2);
    assertEquals(0.0, third.averageConcurrency(), 1e-9);
    assertEquals(2.0, third.peakConcurrency(), 1e-9);

    // Second 4: idle, so nothing is reported.
    ticker.tick(10);
    assertEquals(3, statsFor("stats-00001").size());
  }

  @Test
  void requestShorterThanTheSampleIntervalStillShowsInPeakAndCount() {
    Backend b = backend("quick-00001");
    endpoints.publish(NS, "quick-00001", 0, b.endpoint());
    for (int i = 0; i < 3; i++) {
      assertEquals(200, await(get("quick-00001", "/" + i)).status());
    }
    eventually("all are done", () -> concurrency("quick-00001") == 0);

    ticker.tick(10);

    Stat s = statsFor("quick-00001").get(0);
    assertEquals(0.0, s.averageConcurrency(), 1e-9);
    assertTrue(s.peakConcurrency() >= 1.0);
    assertEquals(3.0, s.requestCount(), 1e-9);
    assertTrue(s.hasTraffic());
  }

  @Test
  void idleRevisionIsForgottenAndSetUpAgainByItsNextRequest() {
    Backend b = backend("idle-00001");
    endpoints.publish(NS, "idle-00001", 0, b.endpoint());
    assertEquals(200, await(get("idle-00001", "/1")).status());
    eventually("done", () -> concurrency("idle-00001") == 0);
    assertEquals(1, endpoints.listeners(NS, "idle-00001"));

    ticker.tick(10 * 3); // expiry is 2 s in this class: one busy second, then two idle ones

    assertEquals(0, endpoints.listeners(NS, "idle-00001"), "no longer watched");
    // Its gauges go on the activator's meters thread, just after.
    eventually(
        "its gauges are removed",
        () ->
            registry
                .find("skiff.activator.queue.depth")
                .tags("revision", "idle-00001")
                .gauges()
                .isEmpty());
    assertEquals(200, await(get("idle-00001", "/2")).status());
    assertEquals(1, endpoints.listeners(NS, "idle-00001"));
  }

  @Override
  Activator.Builder configure(Activator.Builder builder) {
    return builder.withIdleRevisionExpiry(java.time.Duration.ofSeconds(2));
  }
}
