package dev.skiff.autoscaler;

import java.time.Duration;

/**
 * Platform-wide autoscaler settings, Knative's {@code config-autoscaler} keys with Knative's
 * defaults. Per-revision settings come from {@link dev.skiff.api.model.ScalingSettings}.
 *
 * @param tickInterval how often every revision is decided (Knative: 2s)
 * @param maxScaleUpRate one decision may raise the count to at most this many times the ready
 *     instances ({@code max-scale-up-rate}, 1000)
 * @param maxScaleDownRate one decision may lower the count to no less than the ready instances
 *     divided by this ({@code max-scale-down-rate}, 2)
 * @param scaleToZeroGracePeriod how long an idle revision keeps its last instance after the stable
 *     window has passed without traffic ({@code scale-to-zero-grace-period}, 30s)
 * @param enableScaleToZero whether idle revisions may go to zero at all ({@code
 *     enable-scale-to-zero}, true)
 * @param targetBurstCapacity the spare concurrency a revision should keep for bursts before the
 *     activator leaves its path ({@code target-burst-capacity}, 211); 0 never asks for the
 *     activator for bursts, -1 keeps it in the path always
 */
public record AutoscalerConfig(
    Duration tickInterval,
    double maxScaleUpRate,
    double maxScaleDownRate,
    Duration scaleToZeroGracePeriod,
    boolean enableScaleToZero,
    double targetBurstCapacity) {

  /** Knative's defaults. */
  public static final AutoscalerConfig DEFAULTS =
      new AutoscalerConfig(Duration.ofSeconds(2), 1000, 2, Duration.ofSeconds(30), true, 211);

  public AutoscalerConfig {
    if (tickInterval == null || tickInterval.isZero() || tickInterval.isNegative()) {
      throw new InvalidAutoscalerConfigException(
          "tickInterval must be positive, got " + tickInterval + "; Knative ticks every 2s");
    }
    if (!(maxScaleUpRate > 1)) {
      throw new InvalidAutoscalerConfigException(
          "maxScaleUpRate must be > 1, got " + maxScaleUpRate + "; the default is 1000");
    }
    if (!(maxScaleDownRate > 1)) {
      throw new InvalidAutoscalerConfigException(
          "maxScaleDownRate must be > 1, got " + maxScaleDownRate + "; the default is 2");
    }
    if (scaleToZeroGracePeriod == null || scaleToZeroGracePeriod.isNegative()) {
      throw new InvalidAutoscalerConfigException(
          "scaleToZeroGracePeriod must be >= 0, got "
              + scaleToZeroGracePeriod
              + "; the default is 30s");
    }
    if (!(targetBurstCapacity >= 0 || targetBurstCapacity == -1)) {
      throw new InvalidAutoscalerConfigException(
          "targetBurstCapacity must be >= 0 or -1 (activator always in path), got "
              + targetBurstCapacity);
    }
  }

  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds an {@link AutoscalerConfig}, starting from {@link #DEFAULTS} or a given config. */
  public static final class Builder {
    private Duration tickInterval;
    private double maxScaleUpRate;
    private double maxScaleDownRate;
    private Duration scaleToZeroGracePeriod;
    private boolean enableScaleToZero;
    private double targetBurstCapacity;

    private Builder(AutoscalerConfig from) {
      tickInterval = from.tickInterval;
      maxScaleUpRate = from.maxScaleUpRate;
      maxScaleDownRate = from.maxScaleDownRate;
      scaleToZeroGracePeriod = from.scaleToZeroGracePeriod;
      enableScaleToZero = from.enableScaleToZero;
      targetBurstCapacity = from.targetBurstCapacity;
    }

    public Builder withTickInterval(Duration value) {
      this.tickInterval = value;
      return this;
    }

    public Builder withMaxScaleUpRate(double value) {
      this.maxScaleUpRate = value;
      return this;
    }

    public Builder withMaxScaleDownRate(double value) {
      this.maxScaleDownRate = value;
      return this;
    }

    public Builder withScaleToZeroGracePeriod(Duration value) {
      this.scaleToZeroGracePeriod = value;
      return this;
    }

    public Builder withEnableScaleToZero(boolean value) {
      this.enableScaleToZero = value;
      return this;
    }

    public Builder withTargetBurstCapacity(double value) {
      this.targetBurstCapacity = value;
      return this;
    }

    public AutoscalerConfig build() {
      return new AutoscalerConfig(
          tickInterval,
          maxScaleUpRate,
          maxScaleDownRate,
          scaleToZeroGracePeriod,
          enableScaleToZero,
          targetBurstCapacity);
    }
  }
}
