package dev.skiff.node.container.internal;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A few network attachments made ahead, so an instance's start takes one instead of spending
 * milliseconds on {@code ip} commands. One thread of its own tops the stock up after each take:
 * while spares are left, only when no start is in flight ({@link BetweenStarts}: making a namespace
 * beside a start slows the start); once the stock is empty, one spare at once even beside a start,
 * since under a stream of starts the moments without one are short, and a start that finds the
 * stock empty makes its own attachment on its critical path (10-30 ms). Each spare is used once: a
 * taken spare is the instance's, and goes when the instance goes. Counts takes that got a spare and
 * those that did not. Thread-safe.
 */
final class Spares {
  private static final System.Logger LOG = System.getLogger(Spares.class.getName());

  private final int target;
  private final Supplier<PodNetwork.Attachment> make;
  private final Consumer<PodNetwork.Attachment> remove;
  private final BetweenStarts between;
  private final ConcurrentLinkedDeque<PodNetwork.Attachment> stock = new ConcurrentLinkedDeque<>();
  private final AtomicBoolean topUpQueued = new AtomicBoolean();
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong missed = new AtomicLong();
  private volatile ExecutorService maker;
  private volatile boolean closed;

  Spares(int target, Supplier<PodNetwork.Attachment> make, Consumer<PodNetwork.Attachment> remove) {
    this(target, make, remove, null);
  }

  /**
   * @param between when not null, a spare beyond the first waiting is made only when no start is in
   *     flight
   */
  Spares(
      int target,
      Supplier<PodNetwork.Attachment> make,
      Consumer<PodNetwork.Attachment> remove,
      BetweenStarts between) {
    this.target = target;
    this.make = make;
    this.remove = remove;
    this.between = between;
  }

  synchronized void start() {
    if (target <= 0 || maker != null || closed) {
      return;
    }
    maker = Executors.newSingleThreadExecutor(Threads.daemon("skiff-netns-spares"));
    topUp();
  }

  /** A prepared attachment, or null when none is ready. */
  PodNetwork.Attachment take() {
    PodNetwork.Attachment a = stock.pollFirst();
    (a != null ? taken : missed).incrementAndGet();
    if (maker != null) {
      topUp();
      if (between != null && stock.isEmpty()) {
        // A top-up waiting for the starts to end makes one now.
        between.nudge();
      }
    }
    return a;
  }

  private void topUp() {
    ExecutorService m = maker;
    if (closed || m == null || !topUpQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      m.execute(
          () -> {
            topUpQueued.set(false);
            try {
              while (!closed && stock.size() < target) {
                if (between != null) {
                  between.awaitNoStart(stock::isEmpty);
                }
                if (closed) {
                  break;
                }
                PodNetwork.Attachment a = make.get();
                stock.addLast(a);
                if (closed) {
                  drain();
                }
              }
            } catch (RuntimeException e) {
              // The next take tries again; meanwhile starts make their own attachments.
              LOG.log(Level.WARNING, "cannot prepare a spare network namespace: " + e.getMessage());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      topUpQueued.set(false);
    }
  }

  /** How many takes got a spare. */
  long taken() {
    return taken.get();
  }

  /** How many takes found the stock empty (the start made its own attachment). */
  long missed() {
    return missed.get();
  }

  /** The spares waiting now. */
  java.util.List<PodNetwork.Attachment> waiting() {
    return java.util.List.copyOf(stock);
  }

  /** Stops topping up, waits for a spare being made, and removes every spare. */
  void close() {
    ExecutorService m;
    synchronized (this) {
      closed = true;
      m = maker;
    }
    if (m != null) {
      m.shutdown();
      try {
        if (!m.awaitTermination(30, TimeUnit.SECONDS)) {
          LOG.log(Level.WARNING, "a spare network namespace took over 30 s to make");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    drain();
  }

  private void drain() {
    for (PodNetwork.Attachment a; (a = stock.pollFirst()) != null; ) {
      try {
        remove.accept(a);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "cannot remove spare " + a.netns() + ": " + e.getMessage());
      }
    }
  }
}
