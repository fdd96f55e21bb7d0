package dev.skiff.node.container;

import java.time.Instant;

/**
 * How a container ended.
 *
 * @param exitCode its exit status; {@code 128 + n} when signal {@code n} killed it
 * @param oomKilled whether the kernel killed it for exceeding its memory limit
 * @param requested whether the agent asked for the stop; if not, the agent should restart it
 * @param time when the backend saw the exit
 */
public record ContainerExit(int exitCode, boolean oomKilled, boolean requested, Instant time) {

  /** Kubernetes' vocabulary: {@code OOMKilled}, {@code Completed} or {@code Error}. */
  public String reason() {
    if (oomKilled) {
      return "OOMKilled";
    }
    return exitCode == 0 ? "Completed" : "Error";
  }

  /** The signal that ended it, or 0 if it exited on its own. */
  public int signal() {
    return exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
  }

  /** A sentence for status messages. */
  public String describe() {
    String how =
        signal() != 0 ? "was killed by signal " + signal() : "exited with code " + exitCode;
    if (oomKilled) {
      how += " after running out of memory; raise resources.memory or use less";
    }
    return requested ? how + " after being asked to stop" : how;
  }
}
