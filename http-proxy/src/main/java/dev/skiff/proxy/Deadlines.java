package dev.skiff.proxy;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-request deadlines of a pipeline stage (the gateway's route timeout, the sidecar's request
 * timeout) at the cost of a queue entry each rather than a timer each. Nearly every request ends
 * long before its deadline, so a Vert.x timer set and cancelled per request (a timer-map entry and
 * a scheduled task, added and removed) is work done for nothing; here the deadlines of one length
 * wait in arrival order, which is also the order they fall due, behind one timer per length that
 * fires for the earliest. A cancelled deadline is only marked, and dropped once it reaches the
 * front (or when cancelled ones make up most of the queue).
 *
 * <p>Each event loop has queues of its own, touched only by that loop's thread; a deadline started
 * off an event loop gets a timer of its own, as before. Each deadline's action runs on the context
 * it was started from.
 */
public final class Deadlines {
  /** Below this many queued deadlines, cancelled ones are left for the front to drop. */
  private static final int COMPACT_FLOOR = 1024;

  private final Vertx vertx;

  /** Per event loop, its lanes by length; each {@link Lanes} touched by its loop only. */
  private final Map<EventLoop, Lanes> loops = new ConcurrentHashMap<>();

  public Deadlines(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A deadline that has been started; {@link #cancel} when the request is over. */
  @FunctionalInterface
  public interface Deadline {
    /** The request is over: the action will not run. Idempotent. */
    void cancel();
  }

  /**
   * Runs {@code onExpiry} on {@code context} once {@code length} has passed, unless the returned
   * deadline is cancelled first. Call on {@code context}'s thread.
   */
  public Deadline start(Context context, Duration length, Runnable onExpiry) {
    long millis = Math.max(1, length.toMillis());
    EventLoop loop =
        context instanceof ContextInternal c && context.isEventLoopContext()
            ? c.nettyEventLoop()
            : null;
    if (loop == null || !loop.inEventLoop()) {
      long timer = vertx.setTimer(millis, id -> onExpiry.run());
      return () -> vertx.cancelTimer(timer);
    }
    Entry e =
        new Entry(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), context, onExpiry);
    Lanes lanes = loops.get(loop);
    if (lanes == null) {
      lanes = loops.computeIfAbsent(loop, Lanes::new);
    }
    lanes.of(millis).add(e);
    return e;
  }

  /**
   * How many deadlines wait in the queues, cancelled ones not yet dropped included; for tests,
   * called on no event loop while none of them runs.
   */
  int queued() {
    return loops.values().stream()
        .flatMap(m -> m.byLength.values().stream())
        .mapToInt(l -> l.queue.size())
        .sum();
  }

  /**
   * One event loop's lanes by length in milliseconds. A stage starts deadlines of one length (its
   * route's timeout) request after request: that lane is kept at hand, so the common case boxes no
   * length and looks nothing up.
   */
  private final class Lanes {
    final EventLoop owner;
    final Map<Long, Lane> byLength = new HashMap<>();
    long lastMillis = -1;
    Lane last;

    Lanes(EventLoop owner) {
      this.owner = owner;
    }

    Lane of(long millis) {
      if (millis == lastMillis) {
        return last;
      }
      Lane lane = byLength.get(millis);
      if (lane == null) {
        lane = new Lane(owner);
        byLength.put(millis, lane);
      }
      lastMillis = millis;
      last = lane;
      return lane;
    }
  }

  private static final class Entry implements Deadline {
    final long due;
    final Context context;
    final Runnable onExpiry;
    Lane lane;
    volatile boolean done;

    Entry(long due, Context context, Runnable onExpiry) {
      this.due = due;
      this.context = context;
      this.onExpiry = onExpiry;
    }

    @Override
    public void cancel() {
      done = true;
      Lane l = lane;
      if (l != null && l.owner.inEventLoop()) {
        l.dropCancelled();
      }
    }
  }

  /** The deadlines of one length, in the order they fall due, and the timer for the first. */
  private final class Lane {
    final EventLoop owner;
    final ArrayDeque<Entry> queue = new ArrayDeque<>();
    long timer = -1;
    int compactAt = COMPACT_FLOOR;

    Lane(EventLoop owner) {
      this.owner = owner;
    }

    void add(Entry e) {
      e.lane = this;
      queue.addLast(e);
      if (timer < 0) {
        arm(e.due);
      } else if (queue.size() >= compactAt) {
        queue.removeIf(x -> x.done);
        compactAt = Math.max(COMPACT_FLOOR, 2 * queue.size());
      }
    }

    void dropCancelled() {
      while (!queue.isEmpty() && queue.peekFirst().done) {
        queue.pollFirst();
      }
    }

    /**
     * The timer fired: runs what is due, drops what was cancelled, and sets the timer for the first
     * still waiting (it fires early rather than late, so it may have nothing due yet).
     */
    void fired() {
      timer = -1;
      long now = System.nanoTime();
      while (!queue.isEmpty()) {
        Entry e = queue.peekFirst();
        if (!e.done && e.due - now > 0) {
          arm(e.due);
          return;
        }
        queue.pollFirst();
        if (!e.done) {
          e.done = true;
          e.context.runOnContext(v -> e.onExpiry.run());
        }
      }
    }

    private void arm(long due) {
      long left = TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()) + 1;
      timer = vertx.setTimer(Math.max(1, left), id -> fired());
    }
  }
}
