package dev.skiff.meshproxy.internal;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.IdentityProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One sidecar's golden metrics, tagged with its revision's namespace and name: {@value #REQUESTS}
 * (by code), {@value #DURATION} (percentile histogram), {@value #REFUSALS} (by reason: the
 * handshake's and the policy's), and {@value #CERT_EXPIRY} (the seconds since the epoch at which
 * the sidecar's certificate expires, tagged with its identity).
 *
 * <p>The meters are registered by {@link #register}, not at construction: registering them (a timer
 * with a percentile histogram among them) costs a few hundred microseconds, which a cold start's
 * first request should not wait for. What is measured before is kept (up to {@value #EARLY_LIMIT}
 * answers; the next one registers the meters there and then) and recorded into the meters when they
 * are registered, so nothing is lost. Once registered, a request pays no registry lookup; {@link
 * #close} removes them once no other sidecar of the revision holds them.
 */
public final class SidecarMetrics {
  public static final String REQUESTS = "skiff.sidecar.requests";
  public static final String DURATION = "skiff.sidecar.request.duration";
  public static final String REFUSALS = "skiff.sidecar.refusals";
  public static final String CERT_EXPIRY = "skiff.sidecar.certificate.expiry";

  /** Answers kept before the meters are registered; the next one registers them. */
  static final int EARLY_LIMIT = 1_024;

  private final MeterRegistry registry;
  private final Tags tags;
  private final IdentityProvider identity;
  private final ConcurrentMap<Integer, Counter> byCode = new ConcurrentHashMap<>();

  /** The registered meters, to release on close; also the lock of everything below. */
  private final List<Meter> meters = new ArrayList<>();

  /** The meters once registered; null before that and after close. */
  private volatile Live live;

  /** Answers measured before the meters were registered; guarded by meters. */
  private final List<Answer> early = new ArrayList<>();

  /** Refusals counted before the meters were registered, by ordinal; guarded by meters. */
  private final long[] earlyRefusals = new long[Refusal.values().length];

  /** Guarded by meters. */
  private boolean registered;

  /** Guarded by meters. */
  private boolean closed;

  private record Live(Timer latency, Map<Refusal, Counter> refusals) {}

  private record Answer(int status, long nanos) {}

  /** Meters for one sidecar; none is registered until {@link #register}. */
  public SidecarMetrics(MeterRegistry registry, RevisionKey revision, IdentityProvider identity) {
    this.registry = registry;
    this.tags = Tags.of("namespace", revision.namespace(), "revision", revision.name());
    this.identity = identity;
  }

  /**
   * Registers the meters and records into them what was measured so far; once only, and not after
   * {@link #close}. Any thread.
   */
  public void register() {
    synchronized (meters) {
      registerLocked();
    }
  }

  /** Whether the meters are registered (and not closed). */
  public boolean registered() {
    return live != null;
  }

  private void registerLocked() {
    if (registered || closed) {
      return;
    }
    registered = true;
    Timer latency =
        SharedMeters.hold(
            registry,
            Timer.builder(DURATION)
                .description(
                    "Time from a request's arrival at the sidecar to the end of its response")
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry));
    meters.add(latency);
    Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    for (Refusal r : Refusal.values()) {
      Counter c =
          SharedMeters.hold(
              registry,
              Counter.builder(REFUSALS)
                  .description(
                      "Callers refused at the TLS handshake or by the authorization policy")
                  .tags(tags)
                  .tag("reason", r.tag())
                  .register(registry));
      refusals.put(r, c);
      meters.add(c);
      if (earlyRefusals[r.ordinal()] > 0) {
        c.increment(earlyRefusals[r.ordinal()]);
      }
    }
    String expiryHelp = "When the sidecar's certificate expires, in seconds since the epoch";
    Tags expiryTags = tags.and("identity", identity.id().uri());
    meters.add(
        SharedMeters.holdGauge(
            registry,
            new Meter.Id(CERT_EXPIRY, expiryTags, "seconds", expiryHelp, Meter.Type.GAUGE),
            () ->
                Gauge.builder(CERT_EXPIRY, identity, SidecarMetrics::expiry)
                    .description(expiryHelp)
                    .tags(expiryTags)
                    .baseUnit("seconds")
                    .register(registry)));
    for (Answer a : early) {
      latency.record(Duration.ofNanos(a.nanos()));
      byCode.computeIfAbsent(a.status(), this::counter).increment();
    }
    early.clear();
    // Last: only now may other threads record (and register status counters) without the lock.
    live = new Live(latency, refusals);
  }

  private static double expiry(IdentityProvider identity) {
    var c = identity.current();
    return c == null ? Double.NaN : c.notAfter().getEpochSecond();
  }

  /** A request was answered with {@code status} after {@code latency}. */
  public void answered(int status, Duration latency) {
    Live m = live;
    if (m == null) {
      synchronized (meters) {
        m = live;
        if (m == null) {
          if (closed) {
            return;
          }
          early.add(new Answer(status, latency.toNanos()));
          if (early.size() >= EARLY_LIMIT) {
            registerLocked();
          }
          return;
        }
      }
    }
    m.latency().record(latency);
    byCode.computeIfAbsent(status, this::counter).increment();
  }

  /** A caller was refused for {@code reason}. */
  public void refused(Refusal reason) {
    Live m = live;
    if (m == null) {
      synchronized (meters) {
        m = live;
        if (m == null) {
          earlyRefusals[reason.ordinal()]++;
          return;
        }
      }
    }
    m.refusals().get(reason).increment();
  }

  private Counter counter(int status) {
    Counter c =
        SharedMeters.hold(
            registry,
            Counter.builder(REQUESTS)
                .description("Requests answered by the sidecar, by status code")
                .tags(tags)
                .tag("code", Integer.toString(status))
                .tag("code_class", (status / 100) + "xx")
                .register(registry));
    synchronized (meters) {
      if (closed) {
        SharedMeters.release(registry, c); // a request that ended as the sidecar closed
      } else {
        meters.add(c);
      }
    }
    return c;
  }

  /**
   * Removes this sidecar's meters from the registry (the instance is gone), those the sidecars of
   * the revision's other instances still hold excepted. Measurements not recorded yet are recorded
   * first, so those meters the others hold count them as before.
   */
  public void close() {
    synchronized (meters) {
      if (!early.isEmpty() || Arrays.stream(earlyRefusals).anyMatch(n -> n > 0)) {
        registerLocked();
      }
      closed = true;
      live = null;
      early.clear();
      meters.forEach(m -> SharedMeters.release(registry, m));
      meters.clear();
    }
  }
}
