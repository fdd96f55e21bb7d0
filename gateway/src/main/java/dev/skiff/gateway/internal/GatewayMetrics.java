package dev.skiff.gateway.internal;

import dev.skiff.proxy.TlsFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's request metrics: {@code skiff.gateway.requests} (counter by namespace, service,
 * revision, code and code class), {@code skiff.gateway.request.duration} (timer with a percentile
 * histogram per revision), {@code skiff.gateway.requests.in.flight} (gauge) and {@code
 * skiff.gateway.upstream.tls.failures} (counter by namespace, service, revision and reason) and
 * {@code skiff.gateway.activator.handoffs} (counter by path: {@code in_process} when the activator
 * runs in this process and is entered there, {@code network} over its listener) and {@code
 * skiff.gateway.upstream.handoffs} (counter by path: {@code in_process} when an instance's sidecar
 * runs in this process and is entered there, {@code socket} over its listener) and {@code
 * skiff.gateway.activator.fallbacks} (requests an instance never received, because the connection
 * to it could not be made, handed to the activator instead of failing) and {@code
 * skiff.gateway.tls.engine} (what terminates the HTTPS listener's TLS) and {@code
 * skiff.gateway.retries} (attempts sent again to another instance, by reason: {@code connect} when
 * nothing was sent, {@code no_response} when the connection broke before a response head). Meters
 * are cached per revision so a request does not pay for a registry lookup.
 */
final class GatewayMetrics {
  static final String REQUESTS = "skiff.gateway.requests";
  static final String DURATION = "skiff.gateway.request.duration";
  static final String IN_FLIGHT = "skiff.gateway.requests.in.flight";
  static final String TLS_FAILURES = "skiff.gateway.upstream.tls.failures";
  static final String HANDOFFS = "skiff.gateway.activator.handoffs";
  static final String UPSTREAM_HANDOFFS = "skiff.gateway.upstream.handoffs";
  static final String FALLBACKS = "skiff.gateway.activator.fallbacks";
  static final String TLS_ENGINE = "skiff.gateway.tls.engine";
  static final String RETRIES = "skiff.gateway.retries";

  /** Tag value for requests that never reached a service or revision (e.g. unknown hosts). */
  static final String NONE = "none";

  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ConcurrentMap<Key, RevisionMeters> byRevision = new ConcurrentHashMap<>();

  /** The meters the last request was counted on. */
  private volatile RevisionMeters last;

  private final Counter handoffsInProcess;
  private final Counter handoffsNetwork;
  private final Counter upstreamInProcess;
  private final Counter upstreamSocket;
  private final Counter fallbacks;
  private final ConcurrentMap<String, Counter> retries = new ConcurrentHashMap<>();

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.handoffsInProcess = handoffs(registry, "in_process");
    this.handoffsNetwork = handoffs(registry, "network");
    this.upstreamInProcess = upstreamHandoffs(registry, "in_process");
    this.upstreamSocket = upstreamHandoffs(registry, "socket");
    this.fallbacks =
        Counter.builder(FALLBACKS)
            .description(
                "Requests an instance never received (no connection) handed to the activator")
            .register(registry);
    // The registry holds the gauge's state weakly; this object keeps it alive.
    registry.gauge(IN_FLIGHT, Tags.empty(), inFlight);
  }

  void started() {
    inFlight.incrementAndGet();
  }

  void finished(String namespace, String service, String revision, int status, Duration latency) {
    inFlight.decrementAndGet();
    String ns = orNone(namespace);
    String svc = orNone(service);
    String rev = orNone(revision);
    // The revision of the previous request first (a route's names are the same strings request
    // after request): no key, no hash, no map lookup. Racing loops may each write it: either
    // value is a right one.
    RevisionMeters m = last;
    if (m == null || !m.key.is(ns, svc, rev)) {
      Key key = new Key(ns, svc, rev);
      // get before computeIfAbsent: a hit allocates no lambda.
      m = byRevision.get(key);
      if (m == null) {
        m = byRevision.computeIfAbsent(key, this::meters);
      }
      last = m;
    }
    m.latency.record(latency);
    Counter byStatus = m.counter(status);
    if (byStatus == null) {
      byStatus = m.remember(status, counter(m.key, status));
    }
    byStatus.increment();
  }

  /** A request went to the activator, in process or over the network. */
  void handedToActivator(boolean inProcess) {
    (inProcess ? handoffsInProcess : handoffsNetwork).increment();
  }

  /** A request no instance received went to the activator instead of failing. */
  void fellBackToActivator() {
    fallbacks.increment();
  }

  /** An attempt that failed for {@code reason} is sent again, to another instance. */
  void retried(String reason) {
    retries
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder(RETRIES)
                    .description(
                        "Requests sent again to another instance after a connection failure, by"
                            + " reason (connect: nothing sent; no_response: the connection broke"
                            + " before a response head)")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  /** A request went straight to an instance: to its sidecar in process, or over a socket. */
  void handedToInstance(boolean inProcess) {
    (inProcess ? upstreamInProcess : upstreamSocket).increment();
  }

  private static Counter upstreamHandoffs(MeterRegistry registry, String path) {
    return Counter.builder(UPSTREAM_HANDOFFS)
        .description(
            "Requests sent straight to an instance, by path (in_process: its sidecar entered in"
                + " this process; socket: over its listener)")
        .tag("path", path)
        .register(registry);
  }

  private static Counter handoffs(MeterRegistry registry, String path) {
    return Counter.builder(HANDOFFS)
        .description("Requests handed to the activator, by path (in_process or network)")
        .tag("path", path)
        .register(registry);
  }

  /**
   * The HTTPS listener terminates TLS with {@code engine} ({@code openssl} or {@code jdk}): {@code
   * skiff.gateway.tls.engine} is 1 with that tag.
   */
  void tlsEngine(String engine) {
    Gauge.builder(TLS_ENGINE, () -> 1)
        .description("What terminates TLS on the gateway's HTTPS listener (openssl or jdk)")
        .tag("engine", engine)
        .register(registry);
  }

  /** TLS with an upstream of the revision failed for {@code reason}; rare, so not cached. */
  void tlsFailed(String namespace, String service, String revision, TlsFailure reason) {
    Counter.builder(TLS_FAILURES)
        .description("TLS failures with upstream endpoints (instances, activator), by reason")
        .tags(new Key(orNone(namespace), orNone(service), orNone(revision)).tags())
        .tag("reason", reason.tag())
        .register(registry)
        .increment();
  }

  private RevisionMeters meters(Key key) {
    Timer latency =
        Timer.builder(DURATION)
            .description("Time from request arrival to the end of the response")
            .tags(key.tags())
            .publishPercentileHistogram()
            .register(registry);
    return new RevisionMeters(key, latency, new AtomicReferenceArray<>(RevisionMeters.CODES));
  }

  private Counter counter(Key key, int status) {
    return Counter.builder(REQUESTS)
        .description("Requests answered, by revision and status code")
        .tags(key.tags())
        .tag("code", Integer.toString(status))
        .tag("code_class", (status / 100) + "xx")
        .register(registry);
  }

  private static String orNone(String v) {
    return v == null ? NONE : v;
  }

  private record Key(String namespace, String service, String revision) {
    /** Same names; the same strings compare at once. */
    boolean is(String ns, String svc, String rev) {
      return revision.equals(rev) && service.equals(svc) && namespace.equals(ns);
    }

    Tags tags() {
      return Tags.of("namespace", namespace, "service", service, "revision", revision);
    }
  }

  /** A revision's timer and its counters by status code (indexed, so no boxing per request). */
  private record RevisionMeters(Key key, Timer latency, AtomicReferenceArray<Counter> byStatus) {
    /** Status codes are three digits; any other is looked up in the registry every time. */
    static final int CODES = 1000;

    /** The counter for {@code status}, or null when not remembered yet. */
    Counter counter(int status) {
      return status >= 0 && status < CODES ? byStatus.get(status) : null;
    }

    /**
     * Remembers the registry's counter for {@code status}. Two threads may register it at once: the
     * registry hands both the same counter.
     */
    Counter remember(int status, Counter c) {
      if (status >= 0 && status < CODES) {
        byStatus.set(status, c);
      }
      return c;
    }
  }
}
