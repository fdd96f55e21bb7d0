package dev.skiff.controlplane.internal.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.controlplane.spi.RevisionMetrics.Figures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutAnalysisTest {
  static final Duration TEN = Duration.ofSeconds(10);

  @Test
  void tooMany5xxRollBackWithTheFiguresInTheMessage() {
    var v =
        RolloutAnalysis.judge(
            TrafficPolicy.DEFAULTS, "hello-00002", new Figures(100, 20, Duration.ofMillis(3), TEN));
    assertTrue(v.isPresent());
    assertEquals(RolloutAnalysis.ERROR_RATE_EXCEEDED, v.get().reason());
    assertEquals(
        "revision hello-00002 answered 20 of 100 requests with 5xx in the last 10s (20.0 %),"
            + " above the 5 % allowed (skiff.dev/max-error-rate); traffic went back to the"
            + " previous revision",
        v.get().message());
  }

  @Test
  void oneErrorInThreeRequestsIsNoVerdict() {
    assertTrue(
        RolloutAnalysis.judge(
                TrafficPolicy.DEFAULTS, "r", new Figures(3, 1, Duration.ofMillis(1), TEN))
            .isEmpty());
  }

  @Test
  void anErrorRateAtTheThresholdPasses() {
    assertTrue(
        RolloutAnalysis.judge(
                TrafficPolicy.DEFAULTS, "r", new Figures(100, 5, Duration.ofMillis(1), TEN))
            .isEmpty());
  }

  @Test
  void latencyIsCheckedOnlyWhenAMaximumIsSet() {
    Figures slow = new Figures(100, 0, Duration.ofMillis(900), TEN);
    assertTrue(RolloutAnalysis.judge(TrafficPolicy.DEFAULTS, "r", slow).isEmpty());
    TrafficPolicy p = TrafficPolicy.of(Map.of(TrafficPolicy.MAX_P99, "500ms"));
    var v = RolloutAnalysis.judge(p, "hello-00002", slow);
    assertEquals(RolloutAnalysis.LATENCY_EXCEEDED, v.orElseThrow().reason());
    assertTrue(v.get().message().contains("p99 latency of 900ms"), v.get().message());
    assertTrue(v.get().message().contains("above the 500ms allowed"), v.get().message());
  }

  @Test
  void theMinimumRequestCountComesFromThePolicy() {
    TrafficPolicy p = TrafficPolicy.of(Map.of(TrafficPolicy.MIN_REQUESTS, "3"));
    assertTrue(
        RolloutAnalysis.judge(p, "r", new Figures(3, 1, Duration.ofMillis(1), TEN)).isPresent());
  }
}
