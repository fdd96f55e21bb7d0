package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.ScalingSettings;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaleOptionsTest {
  private static ScaleOptions options(Integer min, Integer max, String target) {
    ScaleOptions o = new ScaleOptions();
    o.min = min;
    o.max = max;
    o.target = target == null ? null : new BigDecimal(target);
    return o;
  }

  @Test
  void targetIsWrittenAsThePlainNumber() {
    assertEquals("50", options(null, null, "50.0").annotations().get(ScalingSettings.TARGET));
    assertEquals("100", options(null, null, "1e2").annotations().get(ScalingSettings.TARGET));
    assertEquals("0.5", options(null, null, "0.50").annotations().get(ScalingSettings.TARGET));
  }

  @Test
  void summaryNamesTheAnnotationsInFlagOrder() {
    ScaleOptions o = options(1, 5, "70");
    o.window = "30s";
    o.retention = "5m";
    o.initial = 2;
    assertEquals(
        "min-scale 1, max-scale 5, initial-scale 2, target 70, window 30s,"
            + " scale-to-zero-pod-retention-period 5m",
        o.summary());
  }

  @Test
  void problemsNameTheFlag() {
    assertEquals(List.of("--max: must be >= 0, got -2"), options(null, -2, null).problems());
    assertEquals(List.of(), options(3, 0, null).problems(), "max 0 is unbounded");
  }

  @Test
  void boundsAreCheckedAgainstTheServicesOwn() {
    Map<String, String> max2 = Map.of(ScalingSettings.MAX_SCALE, "2");
    assertEquals(
        "--min: min-scale 3 is greater than the max-scale 2 that hello has; give --max as well (0"
            + " means unbounded)",
        options(3, null, null).conflict(max2, "hello"));
    assertNull(options(3, 0, null).conflict(max2, "hello"));
    assertNull(options(2, null, null).conflict(max2, "hello"));
    assertNull(options(null, 1, null).conflict(Map.of(), "hello"));
  }
}
