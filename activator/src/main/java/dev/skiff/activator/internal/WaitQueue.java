package dev.skiff.activator.internal;

/**
 * A FIFO of waiters, linked through the waiters themselves, so that adding at either end, taking
 * the head and withdrawing any waiter (its timeout passed, its client left) are all O(1). Not
 * thread-safe: the throttler's lock guards it.
 */
final class WaitQueue {
  private Waiter head;
  private Waiter tail;
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  Waiter peekFirst() {
    return head;
  }

  void addLast(Waiter w) {
    link(w);
    w.prev = tail;
    if (tail == null) {
      head = w;
    } else {
      tail.next = w;
    }
    tail = w;
  }

  void addFirst(Waiter w) {
    link(w);
    w.next = head;
    if (head == null) {
      tail = w;
    } else {
      head.prev = w;
    }
    head = w;
  }

  Waiter pollFirst() {
    Waiter w = head;
    if (w != null) {
      remove(w);
    }
    return w;
  }

  /** Removes {@code w}; false when it was not in the queue. */
  boolean remove(Waiter w) {
    if (!w.linked) {
      return false;
    }
    if (w.prev == null) {
      head = w.next;
    } else {
      w.prev.next = w.next;
    }
    if (w.next == null) {
      tail = w.prev;
    } else {
      w.next.prev = w.prev;
    }
    w.prev = null;
    w.next = null;
    w.linked = false;
    size--;
    return true;
  }

  private void link(Waiter w) {
    if (w.linked) {
      throw new IllegalStateException("waiter is already queued");
    }
    w.linked = true;
    size++;
  }
}
