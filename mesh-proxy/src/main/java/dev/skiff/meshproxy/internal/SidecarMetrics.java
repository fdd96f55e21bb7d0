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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One sidecar's golden metrics, tagged with its revision's namespace and name: {@value #REQUESTS}
 * (by code), {@value #DURATION} (percentile histogram), {@value #REFUSALS} (by reason: the
 * handshake's and the policy's), and {@value #CERT_EXPIRY} (the seconds since the epoch at which
 * the sidecar's certificate expires, tagged with its identity). Meters are made once per sidecar,
 * so a request pays no registry lookup; {@link #close} removes them once no other sidecar of the
 * revision holds them.
 */
public final class SidecarMetrics {
  public static final String REQUESTS = "skiff.sidecar.requests";
  public static final String DURATION = "skiff.sidecar.request.duration";
  public static final String REFUSALS = "skiff.sidecar.refusals";
  public static final String CERT_EXPIRY = "skiff.sidecar.certificate.expiry";

  private final MeterRegistry registry;
  private final Tags tags;
  private final Timer latency;
  private final ConcurrentMap<Integer, Counter> byCode = new ConcurrentHashMap<>();
  private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
  private final List<Meter> meters = new ArrayList<>();

  public SidecarMetrics(MeterRegistry registry, RevisionKey revision, IdentityProvider identity) {
    this.registry = registry;
    this.tags = Tags.of("namespace", revision.namespace(), "revision", revision.name());
    this.latency =
        SharedMeters.hold(
            registry,
            Timer.builder(DURATION)
                .description(
                    "Time from a request's arrival at the sidecar to the end of its response")
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry));
    meters.add(latency);
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
    }
    meters.add(
        SharedMeters.hold(
            registry,
            Gauge.builder(CERT_EXPIRY, identity, SidecarMetrics::expiry)
                .description("When the sidecar's certificate expires, in seconds since the epoch")
                .tags(tags)
                .tag("identity", identity.id().uri())
                .baseUnit("seconds")
                .register(registry)));
  }

  private static double expiry(IdentityProvider identity) {
    var c = identity.current();
    return c == null ? Double.NaN : c.notAfter().getEpochSecond();
  }

  /** A request was answered with {@code status} after {@code latency}. */
  public void answered(int status, Duration latency) {
    this.latency.record(latency);
    byCode.computeIfAbsent(status, this::counter).increment();
  }

  /** A caller was refused for {@code reason}. */
  public void refused(Refusal reason) {
    refusals.get(reason).increment();
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
      meters.add(c);
    }
    return c;
  }

  /**
   * Removes this sidecar's meters from the registry (the instance is gone), those the sidecars of
   * the revision's other instances still hold excepted.
   */
  public void close() {
    synchronized (meters) {
      meters.forEach(m -> SharedMeters.release(registry, m));
      meters.clear();
    }
  }
}
