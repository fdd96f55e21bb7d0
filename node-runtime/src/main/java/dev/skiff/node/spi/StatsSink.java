package dev.skiff.node.spi;

import dev.skiff.api.stats.Stat;

/** Receives every instance's per-second stats. Called on the agent's event loop; must not block. */
@FunctionalInterface
public interface StatsSink {
  void report(Stat stat);
}
