package dev.skiff.activator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class WaitQueueTest {
  private static Waiter w() {
    return new Waiter(Set.of(), slot -> {});
  }

  @Test
  void takesFromTheHeadAddsAtEitherEndAndRemovesFromTheMiddle() {
    WaitQueue q = new WaitQueue();
    Waiter a = w();
    Waiter b = w();
    Waiter c = w();
    Waiter front = w();
    q.addLast(a);
    q.addLast(b);
    q.addLast(c);
    q.addFirst(front);

    assertTrue(q.remove(b));
    assertFalse(q.remove(b));
    assertEquals(3, q.size());
    assertSame(front, q.pollFirst());
    assertSame(a, q.pollFirst());
    assertSame(c, q.pollFirst());
    assertNull(q.pollFirst());
    assertTrue(q.isEmpty());
  }

  @Test
  void waiterCannotBeQueuedTwice() {
    WaitQueue q = new WaitQueue();
    Waiter a = w();
    q.addLast(a);
    assertThrows(IllegalStateException.class, () -> q.addFirst(a));
    q.remove(a);
    q.addFirst(a); // once out, it may come back
    assertEquals(1, q.size());
  }
}
