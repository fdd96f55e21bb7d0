package dev.skiff.wasm.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
 * <p>A request that has not started yet waits without a thread ({@link Lane#takeOrQueue}): when a
 * permit goes to it, the thread that gave the permit back at the end of its own request runs it
 * next ({@link Lane#releaseForNext}), so a backlog is worked through without a thread parked and
 * woken per request; a permit given back mid-request (a WASI sleep) starts it on a new thread
 * through the {@code starter}.
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
  private final Consumer<Execution> starter;

  /**
   * @param total permits on the node
   * @param share most permits one revision holds at once (at most all but one)
   * @param starter runs a queued execution that was granted a permit, on a thread of its own
   */
  CpuPermits(int total, int share, Consumer<Execution> starter) {
    this.total = total;
    this.share = share;
    this.free = total;
    this.starter = starter;
  }

  /** Permits for threads that wait themselves only (no queued executions). */
  CpuPermits(int total, int share) {
    this(
        total,
        share,
        e -> {
          throw new IllegalStateException("no starter for queued executions");
        });
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
      start(CpuPermits.this.release(this));
    }

    /**
     * Takes a permit for {@code execution} now (true: the caller starts it holding the permit), or
     * queues it without a thread (false: it is started holding a permit once one goes to it).
     */
    boolean takeOrQueue(Execution execution) {
      return CpuPermits.this.takeOrQueue(this, execution);
    }

    /** Takes a queued execution out of the queue; false when it was granted a permit already. */
    boolean withdraw(Execution execution) {
      return CpuPermits.this.withdraw(this, execution);
    }

    /**
     * Gives a permit back at the end of a request: returns a queued execution this release granted
     * a permit to, for the calling thread to run next (null when none); any other is started.
     */
    Execution releaseForNext() {
      List<Execution> granted = CpuPermits.this.release(this);
      if (granted.isEmpty()) {
        return null;
      }
      start(granted.subList(1, granted.size()));
      return granted.get(0);
    }

    int held() {
      synchronized (CpuPermits.this) {
        return held;
      }
    }
  }

  private static final class Waiter {
    boolean granted; // written under CpuPermits.this and this waiter's monitor
    final Execution queued; // null: a thread waits on this waiter's monitor

    Waiter(Execution queued) {
      this.queued = queued;
    }
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
      waiter = enqueue(lane, null);
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
      List<Execution> granted = List.of();
      synchronized (this) {
        if (waiter.granted) {
          granted = release(lane);
        } else {
          dequeue(lane, waiter);
        }
      }
      start(granted);
      throw e;
    }
  }

  private synchronized boolean takeOrQueue(Lane lane, Execution execution) {
    if (lane.waiters.isEmpty() && mayTake(lane)) {
      take(lane);
      return true;
    }
    enqueue(lane, execution);
    return false;
  }

  private synchronized boolean withdraw(Lane lane, Execution execution) {
    for (Waiter w : lane.waiters) {
      if (w.queued == execution) {
        dequeue(lane, w);
        return true;
      }
    }
    return false;
  }

  private Waiter enqueue(Lane lane, Execution queued) {
    Waiter waiter = new Waiter(queued);
    lane.waiters.add(waiter);
    waiting++;
    if (lane.waiters.size() == 1) {
      turns.add(lane);
    }
    return waiter;
  }

  private void dequeue(Lane lane, Waiter waiter) {
    lane.waiters.remove(waiter);
    waiting--;
    if (lane.waiters.isEmpty()) {
      turns.remove(lane);
    }
  }

  /** Gives a permit back; returns the queued executions granted one, to be started. */
  private synchronized List<Execution> release(Lane lane) {
    lane.held--;
    free++;
    return handOff();
  }

  /** Starts granted executions on threads of their own; never called holding this lock. */
  private void start(List<Execution> granted) {
    for (Execution e : granted) {
      starter.accept(e);
    }
  }

  /**
   * Grants free permits to waiting lanes in turn until none can take one. A waiting thread is
   * woken; queued executions are returned, to be started once the lock is let go.
   */
  private List<Execution> handOff() {
    List<Execution> granted = List.of();
    boolean progress = true;
    while (free > 0 && progress && !turns.isEmpty()) {
      progress = false;
      for (int n = turns.size(); n > 0 && free > 0; n--) {
        Lane lane = turns.poll();
        if (mayTake(lane)) {
          Waiter waiter = lane.waiters.poll();
          waiting--;
          take(lane);
          if (waiter.queued != null) {
            waiter.granted = true;
            if (granted.isEmpty()) {
              granted = new ArrayList<>(2);
            }
            granted.add(waiter.queued);
          } else {
            synchronized (waiter) {
              waiter.granted = true;
              waiter.notify();
            }
          }
          progress = true;
        }
        if (!lane.waiters.isEmpty()) {
          turns.add(lane); // to the back: the next permit goes to another lane first
        }
      }
    }
    return granted;
  }

  private boolean mayTake(Lane lane) {
    return lane.held < share && (free > 1 || (free == 1 && lane.held == 0));
  }

  private void take(Lane lane) {
    free--;
    lane.held++;
  }
}
