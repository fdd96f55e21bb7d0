package dev.skiff.meshproxy.internal;

import static dev.skiff.meshproxy.testing.SidecarFixture.REVISION;
import static dev.skiff.meshproxy.testing.SidecarFixture.SELF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.testing.ManualTicker;
import dev.skiff.meshproxy.testing.TestCa;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A sidecar's meters: registered when asked, with what was measured before, removed on close. */
class SidecarMetricsTest {
  final Vertx vertx = Vertx.vertx();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final IdentityProvider identity =
      IdentityProvider.builder()
          .withVertx(vertx)
          .withIdentity(SELF)
          .withIssuer(TestCa.create("mesh").issuer())
          .withTtl(Duration.ofHours(1))
          .withTicker(new ManualTicker())
          .build();

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void measurementsMadeBeforeTheMetersAreRegisteredAreRecordedIntoThem() {
    SidecarMetrics metrics = new SidecarMetrics(registry, REVISION, identity);
    metrics.answered(200, Duration.ofMillis(3));
    metrics.answered(200, Duration.ofMillis(5));
    metrics.answered(503, Duration.ofMillis(1));
    metrics.refused(Refusal.DENIED_BY_POLICY);

    assertTrue(registry.getMeters().isEmpty(), "nothing registered yet");
    metrics.register();
    metrics.answered(200, Duration.ofMillis(7));

    assertEquals(3.0, requests("200"));
    assertEquals(1.0, requests("503"));
    var latency = registry.find(SidecarMetrics.DURATION).timer();
    assertEquals(4, latency.count());
    assertEquals(16.0, latency.totalTime(TimeUnit.MILLISECONDS), 0.001);
    assertEquals(1.0, refusals("denied_by_policy"));
    assertEquals(0.0, refusals("no_certificate"));
  }

  @Test
  void aRevisionsSecondSidecarSharesTheExpiryGaugeWithoutMicrometerWarningOfAReRegistration() {
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Logger micrometer = Logger.getLogger(MeterRegistry.class.getName());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
              warnings.add(r);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    micrometer.addHandler(handler);
    try {
      SidecarMetrics first = new SidecarMetrics(registry, REVISION, identity);
      first.register();
      SidecarMetrics second = new SidecarMetrics(registry, REVISION, identity);
      second.register();
      Gauge expiry = registry.find(SidecarMetrics.CERT_EXPIRY).gauge();

      assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList());
      assertEquals(1, registry.find(SidecarMetrics.CERT_EXPIRY).gauges().size());

      first.close();
      assertSame(expiry, registry.find(SidecarMetrics.CERT_EXPIRY).gauge(), "still held");
      second.close();
      assertNull(registry.find(SidecarMetrics.CERT_EXPIRY).gauge(), "the last holder removed it");

      SidecarMetrics third = new SidecarMetrics(registry, REVISION, identity);
      third.register();
      assertNotNull(registry.find(SidecarMetrics.CERT_EXPIRY).gauge(), "registered again");
      assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList());
    } finally {
      micrometer.removeHandler(handler);
    }
  }

  @Test
  void theAnswerPastTheLimitRegistersTheMetersWhenNobodyAsks() {
    SidecarMetrics metrics = new SidecarMetrics(registry, REVISION, identity);
    for (int i = 0; i < SidecarMetrics.EARLY_LIMIT - 1; i++) {
      metrics.answered(200, Duration.ofMillis(1));
    }
    assertFalse(metrics.registered(), "kept so far");

    metrics.answered(200, Duration.ofMillis(1));

    assertTrue(metrics.registered());
    assertEquals(SidecarMetrics.EARLY_LIMIT, requests("200"), 0.0);
  }

  @Test
  void aSidecarClosedBeforeRegisteringCountsIntoTheMetersItsRevisionsOtherSidecarsHold() {
    SidecarMetrics other = new SidecarMetrics(registry, REVISION, identity);
    other.register();
    other.answered(200, Duration.ofMillis(1));
    SidecarMetrics early = new SidecarMetrics(registry, REVISION, identity);
    early.answered(200, Duration.ofMillis(1));

    early.close();

    assertEquals(2.0, requests("200"), "the closed one's answer is counted, the meter kept");
    early.register();
    assertFalse(early.registered(), "never registers once closed");
    other.close();
    assertTrue(registry.getMeters().isEmpty(), "every meter removed: " + registry.getMeters());
  }

  @Test
  void aSidecarClosedBeforeRegisteringWithNothingMeasuredLeavesNoMeter() {
    SidecarMetrics metrics = new SidecarMetrics(registry, REVISION, identity);

    metrics.close();
    metrics.answered(200, Duration.ofMillis(1));
    metrics.register();

    assertTrue(registry.getMeters().isEmpty(), String.valueOf(registry.getMeters()));
    assertNull(registry.find(SidecarMetrics.REQUESTS).counter());
  }

  private double requests(String code) {
    return registry.find(SidecarMetrics.REQUESTS).tag("code", code).counter().count();
  }

  private double refusals(String reason) {
    return registry.find(SidecarMetrics.REFUSALS).tag("reason", reason).counter().count();
  }
}
