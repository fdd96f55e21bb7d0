package dev.skiff.autoscaler.spi;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.autoscaler.Decision;

/**
 * Receives a revision's decision whenever its desired count, its panic mode, or whether it needs
 * the activator for burst capacity changes, and with its first decision. Called on the thread that
 * made the decision (the tick's, or the caller of {@code poke}), one revision at a time and in
 * order; must not block.
 */
@FunctionalInterface
public interface ScaleListener {
  void onDesiredScale(RevisionKey revision, Decision decision);
}
