package dev.skiff.activator.internal;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.proxy.TlsFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The activator's metrics: {@code skiff.activator.queue.depth} (gauge per revision), {@code
 * skiff.activator.concurrency} (gauge per revision: queued plus in flight, what the stats report),
 * {@code skiff.activator.requests} (counter by revision and outcome) and {@code
 * skiff.activator.queue.wait} (timer with a percentile histogram per revision: from arrival in the
 * queue to a slot or to giving up) and {@code skiff.activator.upstream.tls.failures} (counter by
 * revision and reason) and {@code skiff.activator.forwards} (counter by path: {@code in_process} to
 * a sidecar in this process, {@code network} to an address). Request counters are cached so a
 * request does not pay for a registry lookup.
 */
final class ActivatorMetrics {
  static final String QUEUE_DEPTH = "skiff.activator.queue.depth";
  static final String REQUESTS = "skiff.activator.requests";
  static final String QUEUE_WAIT = "skiff.activator.queue.wait";
  static final String CONCURRENCY = "skiff.activator.concurrency";
  static final String TLS_FAILURES = "skiff.activator.upstream.tls.failures";
  static final String FORWARDS = "skiff.activator.forwards";

  /** Tag value for requests that named no revision. */
  static final String NONE = "none";

  private final MeterRegistry registry;
  private final ConcurrentMap<CounterKey, Counter> counters = new ConcurrentHashMap<>();
  private final Counter inProcess;
  private final Counter network;

  ActivatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.inProcess = forwards(registry, "in_process");
    this.network = forwards(registry, "network");
  }

  private static Counter forwards(MeterRegistry registry, String path) {
    return Counter.builder(FORWARDS)
        .description("Requests handed to instances, by path: in this process, or over the network")
        .tag("path", path)
        .register(registry);
  }

  /** A request went to an instance, in process or over the network. */
  void forwarded(boolean inProcess) {
    (inProcess ? this.inProcess : network).increment();
  }

  void count(RevisionKey revision, Outcome outcome) {
    counters.computeIfAbsent(new CounterKey(revision, outcome), this::counter).increment();
  }

  /** TLS with an instance of {@code revision} failed for {@code reason}; rare, so not cached. */
  void tlsFailed(RevisionKey revision, TlsFailure reason) {
    Counter.builder(TLS_FAILURES)
        .description("TLS failures with instances, by reason")
        .tags(tags(revision))
        .tag("reason", reason.tag())
        .register(registry)
        .increment();
  }

  Timer queueWait(RevisionKey revision) {
    return Timer.builder(QUEUE_WAIT)
        .description("Time a request waited in the activator for capacity")
        .tags(tags(revision))
        .publishPercentileHistogram()
        .register(registry);
  }

  Meter queueDepth(RevisionKey revision, RevisionThrottler throttler) {
    return Gauge.builder(QUEUE_DEPTH, throttler, RevisionThrottler::queued)
        .description("Requests waiting in the activator for capacity")
        .tags(tags(revision))
        .strongReference(true)
        .register(registry);
  }

  Meter concurrency(RevisionKey revision, RevisionLoad load) {
    return Gauge.builder(CONCURRENCY, load, RevisionLoad::current)
        .description("Requests queued or in flight through the activator")
        .tags(tags(revision))
        .strongReference(true)
        .register(registry);
  }

  void remove(Meter meter) {
    registry.remove(meter);
  }

  private Counter counter(CounterKey key) {
    return Counter.builder(REQUESTS)
        .description("Requests through the activator, by outcome")
        .tags(tags(key.revision()))
        .tag("outcome", key.outcome().tag)
        .register(registry);
  }

  private static Tags tags(RevisionKey revision) {
    return revision == null
        ? Tags.of("namespace", NONE, "revision", NONE)
        : Tags.of("namespace", revision.namespace(), "revision", revision.name());
  }

  private record CounterKey(RevisionKey revision, Outcome outcome) {}
}
