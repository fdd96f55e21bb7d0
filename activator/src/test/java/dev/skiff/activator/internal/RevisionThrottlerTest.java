package dev.skiff.activator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.RequestQueueFullException;
import dev.skiff.activator.spi.Endpoint;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.stats.RevisionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The queue and slot bookkeeping, without HTTP: grants are recorded, not forwarded. */
class RevisionThrottlerTest {
  private static final Endpoint A = new Endpoint("10.0.0.1", 8080);
  private static final Endpoint B = new Endpoint("10.0.0.2", 8080);

  private final List<String> pokes = new ArrayList<>();
  private final List<String> granted = new ArrayList<>();
  private final RevisionThrottler throttler =
      new RevisionThrottler(
          RevisionKey.of("default", "fn-00001"),
          3,
          Duration.ofSeconds(1),
          (ns, rev) -> pokes.add(ns + "/" + rev));

  private Waiter waiter(String name) {
    return new Waiter(Set.of(), slot -> granted.add(name + "@" + slot.endpoint().host()));
  }

  private static RevisionEndpoints ready(int cc, Endpoint... eps) {
    return new RevisionEndpoints(List.of(eps), cc);
  }

  @Test
  void firstRequestWithoutEndpointsPokesOnceForTheWholeColdPeriod() {
    assertNull(throttler.admit(waiter("r1"), false));
    assertNull(throttler.admit(waiter("r2"), false));
    assertEquals(List.of("default/fn-00001"), pokes);

    throttler.update(ready(0, A));
    assertEquals(List.of("r1@10.0.0.1", "r2@10.0.0.1"), granted);

    throttler.update(ready(0));
    assertNull(throttler.admit(waiter("r3"), false));
    assertEquals(2, pokes.size(), "a new cold period pokes again");
  }

  @Test
  void queueGrantsInArrivalOrderAndRefusesBeyondItsDepth() {
    for (String r : List.of("r1", "r2", "r3")) {
      assertNull(throttler.admit(waiter(r), false));
    }
    assertThrows(RequestQueueFullException.class, () -> throttler.admit(waiter("r4"), false));
    assertEquals(3, throttler.queued());

    throttler.update(ready(1, A));
    assertEquals(List.of("r1@10.0.0.1"), granted, "one slot, the oldest request");
  }

  @Test
  void requestReturningToTheHeadGoesFirstAndIsNeverRefused() {
    for (String r : List.of("r1", "r2", "r3")) {
      throttler.admit(waiter(r), false);
    }
    assertNull(throttler.admit(waiter("back"), true), "over the depth, but it was let in before");

    throttler.update(ready(2, A));
    assertEquals(List.of("back@10.0.0.1", "r1@10.0.0.1"), granted);
  }

  @Test
  void slotFreedByAReleaseGoesToTheNextWaiter() {
    throttler.update(ready(1, A));
    EndpointSlot first = throttler.admit(waiter("r1"), false);
    assertNotNull(first, "free capacity: granted at once");
    assertNull(throttler.admit(waiter("r2"), false));

    throttler.release(first);

    assertEquals(List.of("r2@10.0.0.1"), granted);
    assertEquals(1, throttler.inFlight(A));
  }

  @Test
  void withdrawnWaiterIsSkipped() {
    Waiter r1 = waiter("r1");
    throttler.admit(r1, false);
    throttler.admit(waiter("r2"), false);

    assertTrue(throttler.withdraw(r1));
    assertFalse(throttler.withdraw(r1));
    throttler.update(ready(0, A));

    assertEquals(List.of("r2@10.0.0.1"), granted);
  }

  @Test
  void containerConcurrencyFillsTheLeastBusyEndpointWithRoom() {
    throttler.update(ready(2, A, B));
    List<EndpointSlot> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      held.add(throttler.admit(waiter("r" + i), false));
    }
    assertEquals(2, throttler.inFlight(A));
    assertEquals(2, throttler.inFlight(B));
    assertNull(throttler.admit(waiter("r4"), false), "all four slots taken");
  }

  @Test
  void removedEndpointIsMarkedGoneAndKeptEndpointsKeepTheirCounts() {
    throttler.update(ready(1, A, B));
    EndpointSlot onA = throttler.admit(waiter("r1"), false);
    EndpointSlot onB = throttler.admit(waiter("r2"), false);
    if (onA.endpoint().equals(B)) {
      EndpointSlot t = onA;
      onA = onB;
      onB = t;
    }
    throttler.admit(waiter("queued"), false);

    throttler.update(ready(1, B));

    assertTrue(onA.gone());
    assertFalse(onB.gone());
    assertEquals(1, throttler.inFlight(B));
    throttler.release(onA); // the in-flight request on A finishes: no slot on B frees
    assertTrue(granted.isEmpty());
    throttler.release(onB);
    assertEquals(List.of("queued@10.0.0.2"), granted);
  }

  @Test
  void waiterAvoidsAnEndpointThatRefusedItWhileAnotherIsReady() {
    throttler.update(ready(0, A, B));
    for (int i = 0; i < 20; i++) {
      EndpointSlot s = throttler.admit(new Waiter(Set.of(A), slot -> {}), true);
      assertSame(B, s.endpoint());
    }
    throttler.update(ready(0, A));
    assertSame(
        A,
        throttler.admit(new Waiter(Set.of(A), slot -> {}), true).endpoint(),
        "with no other endpoint it tries the same one again");
  }

  @Test
  void unlimitedConcurrencyNeverQueuesWhileAnEndpointIsReady() {
    throttler.update(ready(0, A, B));
    for (int i = 0; i < 100; i++) {
      assertNotNull(throttler.admit(waiter("r" + i), false));
    }
    assertEquals(0, throttler.queued());
    assertEquals(100, throttler.inFlight(A) + throttler.inFlight(B));
    assertTrue(
        Math.abs(throttler.inFlight(A) - throttler.inFlight(B)) <= 1,
        "two choices over two endpoints keep them even");
  }
}
