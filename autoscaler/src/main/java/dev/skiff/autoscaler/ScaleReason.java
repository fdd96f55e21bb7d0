package dev.skiff.autoscaler;

/**
 * Why a {@link Decision} chose its instance count; {@link #text()} is what {@code skiff describe}
 * shows.
 */
public enum ScaleReason {
  STABLE("stable"),
  PANIC("panic"),
  RATE_LIMITED_UP("rate-limited up"),
  RATE_LIMITED_DOWN("rate-limited down"),
  MIN_SCALE("min-scale"),
  MAX_SCALE("max-scale"),
  INITIAL_SCALE("initial-scale"),
  SCALE_DOWN_DELAY("scale-down-delay: holding the highest count of the delay"),
  ACTIVATION_SCALE("activation-scale"),
  ACTIVATION("activation: request arrived at zero"),
  IDLE_STABLE_WINDOW("idle, holding one instance for the stable window"),
  IDLE_GRACE("idle, holding one instance for the scale-to-zero grace period"),
  IDLE_RETENTION("idle, holding one instance for the scale-to-zero retention period"),
  WAITING_FOR_ACTIVATOR("idle, holding one instance until the activator is in the path"),
  SCALE_TO_ZERO_DISABLED("idle, scale to zero disabled"),
  SCALED_TO_ZERO("scale-to-zero after grace");

  private final String text;

  ScaleReason(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  @Override
  public String toString() {
    return text;
  }
}
