package dev.skiff.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --no-wait} and {@code --wait-timeout}, shared by the commands that roll out revisions. */
final class WaitOptions {
  /**
   * How often the CLI polls for readiness; short, since a Wasm revision is ready in milliseconds.
   */
  static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  @Option(names = "--no-wait", description = "Return once the control plane accepted the change.")
  boolean noWait;

  @Option(
      names = "--wait-timeout",
      paramLabel = "S",
      defaultValue = "60",
      description =
          "Seconds to wait for the new revision to become ready (default ${DEFAULT-VALUE}).")
  int waitTimeoutSeconds;

  boolean waiting() {
    return !noWait;
  }

  Duration timeout() {
    return Duration.ofSeconds(waitTimeoutSeconds);
  }
}
