package dev.skiff.ingress.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificates' metrics: {@code skiff_certificate_expiry_timestamp_seconds{name}} for every
 * certificate the gateway serves, {@code skiff_certificate_state{domain,state}} (1 for the current
 * state of each ACME domain: pending, ready, failed) and {@code skiff_acme_orders_total{outcome}}.
 */
public final class CertificateMetrics {
  private static final List<String> STATES = List.of("pending", "ready", "failed");

  private final MeterRegistry registry;
  private final Map<String, Instant> expiry = new ConcurrentHashMap<>();
  private final Map<String, String> state = new ConcurrentHashMap<>();
  private final Counter issued;
  private final Counter failed;

  public CertificateMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.issued = outcome("issued");
    this.failed = outcome("failed");
  }

  private Counter outcome(String outcome) {
    return Counter.builder("skiff_acme_orders")
        .description("ACME orders by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  void served(String name, Instant notAfter) {
    if (expiry.put(name, notAfter) == null) {
      Gauge.builder(
              "skiff_certificate_expiry_timestamp_seconds",
              expiry,
              m -> m.containsKey(name) ? m.get(name).getEpochSecond() : Double.NaN)
          .description("When the certificate served for a name expires")
          .tag("name", name)
          .register(registry);
    }
  }

  void removed(String name) {
    if (expiry.remove(name) != null) {
      registry
          .find("skiff_certificate_expiry_timestamp_seconds")
          .tag("name", name)
          .meters()
          .forEach(registry::remove);
    }
  }

  void state(String domain, String s) {
    if (state.put(domain, s) == null) {
      for (String st : STATES) {
        Gauge.builder("skiff_certificate_state", state, m -> st.equals(m.get(domain)) ? 1 : 0)
            .description("The state of an ACME domain's certificate (1 for the current one)")
            .tag("domain", domain)
            .tag("state", st)
            .register(registry);
      }
    }
  }

  void forget(String domain) {
    if (state.remove(domain) != null) {
      registry
          .find("skiff_certificate_state")
          .tag("domain", domain)
          .meters()
          .forEach(registry::remove);
    }
  }

  void issued() {
    issued.increment();
  }

  void failed() {
    failed.increment();
  }
}
