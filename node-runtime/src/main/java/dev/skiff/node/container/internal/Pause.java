package dev.skiff.node.container.internal;

/** The short wait between polls of host state that offers no notification (cgroups, /proc). */
final class Pause {
  private Pause() {}

  static void briefly() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for host state", e);
    }
  }
}
