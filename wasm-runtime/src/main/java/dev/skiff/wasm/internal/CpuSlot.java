package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;

/**
 * One execution's hold on a CPU permit: taken before the guest starts, given back while the guest
 * sleeps in WASI, taken again when it wakes. Used by the execution's own thread only.
 */
final class CpuSlot {
  private final CpuPermits.Lane lane;
  private boolean held;

  /**
   * @param held whether the execution starts holding a permit (taken for it before it started)
   */
  CpuSlot(CpuPermits.Lane lane, boolean held) {
    this.lane = lane;
    this.held = held;
  }

  /** Waits for a permit; an interrupt (timeout, cancellation) ends the wait and the guest. */
  void acquire() {
    if (held) {
      return;
    }
    try {
      lane.acquire();
      held = true;
    } catch (InterruptedException e) {
      throw new ChicoryInterruptedException("interrupted while waiting for a CPU permit");
    }
  }

  /**
   * Gives the permit back for good at the end of the request: returns a queued execution it went
   * to, for this thread to run next, or null.
   */
  Execution releaseForNext() {
    if (!held) {
      return null;
    }
    held = false;
    return lane.releaseForNext();
  }

  /** Gives the permit back before blocking without computing. */
  void release() {
    if (held) {
      held = false;
      lane.release();
    }
  }
}
