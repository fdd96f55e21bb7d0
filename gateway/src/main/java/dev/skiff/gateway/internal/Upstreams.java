package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.routing.Outliers;
import dev.skiff.routing.PeakEwma;
import dev.skiff.routing.RetryBudget;
import java.time.Clock;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * What the gateway knows of the instances it calls, shared by every event loop: their load
 * (peak-EWMA), which are ejected ({@link Outliers}) and the retry budget, all on the gateway's
 * clock.
 */
record Upstreams(
    PeakEwma<Endpoint> balancer,
    Outliers<Endpoint> outliers,
    RetryBudget budget,
    LongSupplier nanoTime) {

  static Upstreams create(Clock clock) {
    // Only differences of these readings matter (latencies, ejection and budget windows), so the
    // system clock is read as the monotonic System.nanoTime(): no Instant per reading, several
    // per request. Any other clock (tests drive time with one) is read as given.
    LongSupplier nanoTime =
        Clock.systemUTC().equals(clock)
            ? System::nanoTime
            : () -> {
              Instant now = clock.instant();
              return now.getEpochSecond() * 1_000_000_000L + now.getNano();
            };
    Outliers<Endpoint> outliers = Outliers.create();
    return new Upstreams(
        new PeakEwma<>(nanoTime, outliers), outliers, new RetryBudget(nanoTime), nanoTime);
  }
}
