package dev.skiff.node.container.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Where one container start spent its time: each {@link #lap} closes the phase that ran since the
 * previous one, and {@link #toString} lists them ({@code network 4.1 ms, ...}), for the agent's log
 * line that tells where a cold start went. Thread-safe enough for its use: one start's phases run
 * one after another, handed between threads through futures.
 */
public final class StartClock {
  private record Phase(String name, long nanos) {}

  private final LongSupplier nanoTime;
  private final List<Phase> phases = new ArrayList<>();
  private final List<Phase> notes = new ArrayList<>();
  private final long startNanos;
  private long lastNanos;

  StartClock(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
    this.lastNanos = startNanos;
  }

  public static StartClock start() {
    return new StartClock(System::nanoTime);
  }

  /** Ends the phase {@code name}, which ran from the previous lap (or the start) until now. */
  public synchronized void lap(String name) {
    long now = nanoTime.getAsLong();
    phases.add(new Phase(name, now - lastNanos));
    lastNanos = now;
  }

  /**
   * Lists {@code name} with {@code nanos} after the phases, without ending a phase: a figure about
   * one of them (how late readiness was seen, say).
   */
  public synchronized void note(String name, long nanos) {
    notes.add(new Phase(name, nanos));
  }

  /** Milliseconds from the start to the last lap. */
  public synchronized double totalMillis() {
    return (lastNanos - startNanos) / 1e6;
  }

  @Override
  public synchronized String toString() {
    StringBuilder b = new StringBuilder();
    List<Phase> all = new ArrayList<>(phases);
    all.addAll(notes);
    for (Phase p : all) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(p.name()).append(' ').append(String.format(Locale.ROOT, "%.1f ms", p.nanos() / 1e6));
    }
    return b.toString();
  }
}
