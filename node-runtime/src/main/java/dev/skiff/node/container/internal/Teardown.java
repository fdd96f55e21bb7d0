package dev.skiff.node.container.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The undo steps of an instance's setup, run once, newest first, every step attempted even when an
 * earlier one fails. Thread-safe.
 */
public final class Teardown {
  private record Step(String name, Runnable action) {}

  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean ran;

  /** Registers the undo of a step that just succeeded. */
  public synchronized void add(String name, Runnable action) {
    if (ran) {
      throw new IllegalStateException("teardown already ran");
    }
    steps.push(new Step(name, action));
  }

  /** Runs the steps (only the first call does anything); returns what failed, as messages. */
  public synchronized List<String> run() {
    List<String> failures = new ArrayList<>();
    if (ran) {
      return failures;
    }
    ran = true;
    while (!steps.isEmpty()) {
      Step s = steps.pop();
      try {
        s.action().run();
      } catch (RuntimeException e) {
        failures.add(s.name() + ": " + e.getMessage());
      }
    }
    return failures;
  }
}
