package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.validation.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/autoscaling.md's settings table states the defaults the code uses. */
class DocsDefaultsTest {

  @Test
  void settingsTableMatchesTheDefaults() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("..", "docs", "autoscaling.md"));
    ScalingSettings s = ScalingSettings.DEFAULTS;
    AutoscalerConfig c = AutoscalerConfig.DEFAULTS;
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(ScalingSettings.TARGET, number(s.target()));
    expected.put(ScalingSettings.TARGET_UTILIZATION, number(s.targetUtilizationPercent()));
    expected.put(ScalingSettings.METRIC, s.metric());
    expected.put(ScalingSettings.WINDOW, Durations.format(s.window()));
    expected.put(ScalingSettings.PANIC_WINDOW, number(s.panicWindowPercent()));
    expected.put(ScalingSettings.PANIC_THRESHOLD, number(s.panicThresholdPercent()));
    expected.put(ScalingSettings.MIN_SCALE, String.valueOf(s.minScale()));
    expected.put(ScalingSettings.MAX_SCALE, String.valueOf(s.maxScale()));
    expected.put(ScalingSettings.INITIAL_SCALE, String.valueOf(s.initialScale()));
    expected.put(ScalingSettings.RETENTION, Durations.format(s.scaleToZeroRetention()));
    expected.put(ScalingSettings.SCALE_DOWN_DELAY, Durations.format(s.scaleDownDelay()));
    expected.put(ScalingSettings.ACTIVATION_SCALE, String.valueOf(s.activationScale()));
    expected.put("tick-interval", Durations.format(c.tickInterval()));
    expected.put("max-scale-up-rate", number(c.maxScaleUpRate()));
    expected.put("max-scale-down-rate", number(c.maxScaleDownRate()));
    expected.put("scale-to-zero-grace-period", Durations.format(c.scaleToZeroGracePeriod()));
    expected.put("enable-scale-to-zero", String.valueOf(c.enableScaleToZero()));
    expected.put("target-burst-capacity", number(c.targetBurstCapacity()));

    for (var e : expected.entrySet()) {
      String row =
          lines.stream()
              .filter(l -> l.startsWith("| `" + e.getKey() + "` |"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no row for " + e.getKey()));
      String documented = row.split("\\|")[3].trim();
      assertEquals(e.getValue(), normalized(documented), "default of " + e.getKey());
    }
  }

  /** Durations compare by value, so the docs may write 60s where the code formats 1m. */
  private static String normalized(String cell) {
    return cell.matches("[0-9.]+(ms|s|m|h)") ? Durations.format(Durations.parse(cell)) : cell;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
