package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.api.stats.InvalidStatException;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Malformed reports, keys and settings are refused with a message saying what is wrong. */
class InputsTest {
  static final RevisionKey HELLO = RevisionKey.of("default", "hello-00001");

  @Test
  void statWithNegativeConcurrencyIsRefused() {
    var e =
        assertThrows(
            InvalidStatException.class, () -> Stat.of(HELLO, "pod-a", Instant.EPOCH, -1, 0));
    assertEquals("averageConcurrency must be a finite number >= 0, got -1.0", e.getMessage());
  }

  @Test
  void statWithoutInstanceIsRefused() {
    assertThrows(InvalidStatException.class, () -> Stat.of(HELLO, "", Instant.EPOCH, 1, 1));
  }

  @Test
  void revisionKeyRoundTripsThroughItsText() {
    assertEquals(HELLO, RevisionKey.parse(HELLO.toString()));
    assertThrows(IllegalArgumentException.class, () -> RevisionKey.parse("hello-00001"));
  }

  @Test
  void scaleRatesMustExceedOne() {
    assertThrows(
        InvalidAutoscalerConfigException.class,
        () -> AutoscalerConfig.builder().withMaxScaleUpRate(1).build());
    assertThrows(
        InvalidAutoscalerConfigException.class,
        () -> AutoscalerConfig.builder().withMaxScaleDownRate(0.5).build());
  }

  @Test
  void burstCapacityIsNonNegativeOrMinusOne() {
    assertThrows(
        InvalidAutoscalerConfigException.class,
        () -> AutoscalerConfig.builder().withTargetBurstCapacity(-2).build());
    assertEquals(
        -1, AutoscalerConfig.builder().withTargetBurstCapacity(-1).build().targetBurstCapacity());
  }

  @Test
  void defaultsAreKnatives() {
    var d = AutoscalerConfig.DEFAULTS;
    assertEquals(Duration.ofSeconds(2), d.tickInterval());
    assertEquals(1000, d.maxScaleUpRate());
    assertEquals(2, d.maxScaleDownRate());
    assertEquals(Duration.ofSeconds(30), d.scaleToZeroGracePeriod());
    assertEquals(211, d.targetBurstCapacity());
  }
}
