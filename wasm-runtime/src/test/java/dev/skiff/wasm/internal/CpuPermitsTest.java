package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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

  private static Execution queued(CpuPermits.Lane lane) {
    return new Execution(
        io.vertx.core.Promise.promise(),
        slot -> {
          throw new AssertionError("never runs");
        },
        lane,
        java.time.Duration.ofSeconds(30),
        line -> {});
  }

  @Test
  void queuedRequestsAreHandedToTheReleasingThreadWithTheLanesInTurn() {
    var permits = new CpuPermits(1, 1);
    var busy = permits.lane();
    var quiet = permits.lane();
    var b1 = queued(busy);
    var b2 = queued(busy);
    var b3 = queued(busy);
    var q1 = queued(quiet);
    assertEquals(true, busy.takeOrQueue(b1));
    assertEquals(false, busy.takeOrQueue(b2));
    assertEquals(false, busy.takeOrQueue(b3));
    assertEquals(false, quiet.takeOrQueue(q1));
    assertEquals(3, permits.waiting());

    // Each release hands the permit to the next lane in turn, to run on the releasing thread.
    assertSame(b2, busy.releaseForNext());
    assertSame(q1, busy.releaseForNext());
    assertSame(b3, quiet.releaseForNext());
    assertNull(busy.releaseForNext());
    assertEquals(0, permits.held());
  }

  @Test
  void aWithdrawnRequestIsNeverGrantedAPermit() {
    var permits = new CpuPermits(1, 1);
    var lane = permits.lane();
    var first = queued(lane);
    var second = queued(lane);
    assertEquals(true, lane.takeOrQueue(first));
    assertEquals(false, lane.takeOrQueue(second));
    assertEquals(true, lane.withdraw(second));
    assertEquals(false, lane.withdraw(second));
    assertNull(lane.releaseForNext());
    assertEquals(0, permits.waiting());
    assertEquals(0, permits.held());
  }
}
