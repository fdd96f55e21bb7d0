package dev.skiff.node.container.internal;

import dev.skiff.node.InstanceStartException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The agent's side of the shim's conversation (src/main/c/skiff-shim.c): the shim says {@code
 * created} on its stdout once the runtime created the container, before the workload can write
 * anything there; the agent says {@code start} on its stdin. Blocking.
 */
final class ShimLine {
  private static final String CREATED = "created\n";
  private static final int STDERR_QUOTED = 4096;

  private ShimLine() {}

  /**
   * Waits for the shim's {@code created}; fails with what the runtime wrote on stderr when the shim
   * exits first.
   */
  static void awaitCreated(Process shim, String key) throws IOException {
    InputStream out = shim.getInputStream();
    StringBuilder line = new StringBuilder();
    while (line.length() < CREATED.length()) {
      int b = out.read();
      if (b < 0) {
        break;
      }
      line.append((char) b);
    }
    if (line.toString().equals(CREATED)) {
      return;
    }
    String why =
        new String(shim.getErrorStream().readNBytes(STDERR_QUOTED), StandardCharsets.UTF_8).strip();
    awaitEnd(shim);
    throw new InstanceStartException(
        "ContainerCreateFailed",
        "cannot create container "
            + key
            + " ahead (shim exit "
            + (shim.isAlive() ? "?" : Integer.toString(shim.exitValue()))
            + "): "
            + (why.isEmpty() ? line.toString().strip() : why),
        null);
  }

  /** Tells the shim to start the container; it runs the runtime's start itself. */
  static void start(Process shim) throws IOException {
    OutputStream in = shim.getOutputStream();
    in.write("start\n".getBytes(StandardCharsets.US_ASCII));
    // The end of its stdin after "start" means nothing to the shim; before it, a kill.
    in.close();
  }

  /**
   * Waits for the shim to end, which it does once the container's init has (the runtime's delete
   * kills it); after a while, ends it.
   */
  static void awaitEnd(Process shim) {
    if (shim == null) {
      return;
    }
    try {
      if (!shim.waitFor(10, TimeUnit.SECONDS)) {
        shim.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shim.destroyForcibly();
    }
  }
}
