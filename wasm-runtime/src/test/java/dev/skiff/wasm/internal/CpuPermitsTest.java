package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CpuPermitsTest {

  /** Starts a thread that takes a permit of {@code lane}, notes {@code name}, and gives it back. */
  private static Thread waiter(
      CpuPermits permits, CpuPermits.Lane lane, String name, List<String> order) {
    int before = permits.waiting();
    var thread =
        new Thread(
            () -> {
              try {
                lane.acquire();
                order.add(name);
                lane.release();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    thread.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (permits.waiting() == before) { // queued in this order, one after the other
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " never queued");
      }
      Thread.onSpinWait();
    }
    return thread;
  }

  @Test
  void releasedPermitsGoToTheLanesInTurn() throws Exception {
    var permits = new CpuPermits(1, 1);
    var busy = permits.lane();
    var quiet = permits.lane();
    busy.acquire();
    List<String> order = new CopyOnWriteArrayList<>();
    var threads = new ArrayList<Thread>();
    threads.add(waiter(permits, busy, "busy-2", order));
    threads.add(waiter(permits, busy, "busy-3", order));
    threads.add(waiter(permits, busy, "busy-4", order));
    threads.add(waiter(permits, quiet, "quiet-1", order));

    busy.release();
    for (Thread t : threads) {
      t.join(10_000);
    }

    // FIFO would serve all of busy's backlog first; in turn, quiet waits for one request only.
    assertEquals(List.of("busy-2", "quiet-1", "busy-3", "busy-4"), order);
    assertEquals(0, permits.held());
  }

  @Test
  void aLaneHoldingAPermitNeverTakesTheLastOne() throws Exception {
    var permits = new CpuPermits(3, 3);
    var busy = permits.lane();
    busy.acquire();
    busy.acquire();
    List<String> order = new CopyOnWriteArrayList<>();

    var third = waiter(permits, busy, "busy-3", order);
    var other = permits.lane();
    other.acquire(); // the last permit, free for a lane that holds none

    assertEquals(3, permits.held());
    assertEquals(2, busy.held());
    other.release();
    busy.release();
    third.join(10_000);
    assertEquals(List.of("busy-3"), order);
    busy.release();
    assertEquals(0, permits.held());
  }
}
