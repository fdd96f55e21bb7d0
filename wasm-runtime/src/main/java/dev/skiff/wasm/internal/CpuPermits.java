package dev.skiff.wasm.internal;

import java.util.ArrayDeque;

/**
 * The node's CPU permits for Wasm, shared fairly between revisions. A guest holds a permit only
 * while it computes; it gives it back while it sleeps in WASI and takes it again afterwards.
 *
 * <p>Each revision has a {@link Lane} with its own queue. A released permit goes to the next lane
 * in round-robin order that has a waiter, so one revision's backlog never delays another's by more
 * than one turn. A guest that loops never gives its permit back (Chicory cannot be preempted), so a
 * lane holds at most its share of the permits, and a lane that already holds one may not take the
 * last free one: one busy revision leaves cores to the rest of the node, and the last permit stays
 * for revisions that hold none.
 *
 * <p>Thread-safe; waiting is interruptible, which is how timeouts and cancellation reach a guest
 * that waits for a permit.
 */
final class CpuPermits {
  private final int total;
  private final int share;
  private int free; // guarded by this
  private int waiting; // guarded by this
  private final ArrayDeque<Lane> turns = new ArrayDeque<>(); // lanes with waiters, guarded by this

  /**
   * @param total permits on the node
   * @param share most permits one revision holds at once (at most all but one)
   */
  CpuPermits(int total, int share) {
    this.total = total;
    this.share = share;
    this.free = total;
  }

  /** One revision's place in the queue. */
  final class Lane {
    private int held; // guarded by CpuPermits.this
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(); // guarded by CpuPermits.this

    /** Blocks until this lane gets a permit. */
    void acquire() throws InterruptedException {
      CpuPermits.this.acquire(this);
    }

    void release() {
      CpuPermits.this.release(this);
    }

    int held() {
      synchronized (CpuPermits.this) {
        return held;
      }
    }
  }

  private static final class Waiter {
    boolean granted; // written under CpuPermits.this and this waiter's monitor
  }

  Lane lane() {
    return new Lane();
  }

  int total() {
    return total;
  }

  synchronized int held() {
    return total - free;
  }

  synchronized int waiting() {
    return waiting;
  }

  private void acquire(Lane lane) throws InterruptedException {
    Waiter waiter;
    synchronized (this) {
      if (lane.waiters.isEmpty() && mayTake(lane)) {
        take(lane);
        return;
      }
      waiter = new Waiter();
      lane.waiters.add(waiter);
      waiting++;
      if (lane.waiters.size() == 1) {
        turns.add(lane);
      }
    }
    // Each waiter waits on its own monitor, so a released permit wakes the one thread it goes to
    // rather than every waiting thread (with many queued requests that herd cost more than the
    // guests' own work).
    try {
      synchronized (waiter) {
        while (!waiter.granted) {
          waiter.wait();
        }
      }
    } catch (InterruptedException e) {
      synchronized (this) {
        if (waiter.granted) {
          release(lane);
        } else {
          lane.waiters.remove(waiter);
          waiting--;
          if (lane.waiters.isEmpty()) {
            turns.remove(lane);
          }
        }
      }
      throw e;
    }
  }

  private synchronized void release(Lane lane) {
    lane.held--;
    free++;
    handOff();
  }

  /** Grants free permits to waiting lanes in turn until none can take one. */
  private void handOff() {
    boolean progress = true;
    while (free > 0 && progress && !turns.isEmpty()) {
      progress = false;
      for (int n = turns.size(); n > 0 && free > 0; n--) {
        Lane lane = turns.poll();
        if (mayTake(lane)) {
          Waiter waiter = lane.waiters.poll();
          waiting--;
          take(lane);
          synchronized (waiter) {
            waiter.granted = true;
            waiter.notify();
          }
          progress = true;
        }
        if (!lane.waiters.isEmpty()) {
          turns.add(lane); // to the back: the next permit goes to another lane first
        }
      }
    }
  }

  private boolean mayTake(Lane lane) {
    return lane.held < share && (free > 1 || (free == 1 && lane.held == 0));
  }

  private void take(Lane lane) {
    free--;
    lane.held++;
  }
}
