package dev.skiff.node.container.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.node.container.ContainerImage;
import dev.skiff.node.spi.InstanceSpec;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Creates containers ahead ({@code runc create} under the shim) for revisions at zero and for
 * revisions whose instance just became ready (so one waits before the revision goes back to zero,
 * and for a scale-out), keeps them in a bounded {@link PreparedPool}, and removes those that are
 * not taken. All host work runs {@linkplain BetweenStarts between starts}, so it never competes
 * with a start in flight. A prepared container's key starts with {@link #PREFIX} and stays reserved
 * while it waits, so a reconcile leaves it alone; after a restart nothing reserves it and the
 * reconcile removes it. Thread-safe.
 */
public final class Preparations {
  private static final System.Logger LOG = System.getLogger(Preparations.class.getName());

  /** How a prepared container's key begins. */
  public static final String PREFIX = "prep.";

  private final Host host;
  private final Launcher launcher;
  private final PreparedPool pool;
  private final Path shim;
  private final Set<String> reserved;
  private final Map<String, Pending> preparing = new ConcurrentHashMap<>();
  // Revisions whose preparation failed: not tried again at every scale call, only after their
  // next start.
  private final Set<String> failed = ConcurrentHashMap.newKeySet();
  private final AtomicLong seq = new AtomicLong();
  private volatile boolean closed;

  /** A preparation handed to the between-starts thread: queued, then running, then done. */
  private static final class Pending {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    boolean running;
    boolean cancelled;
    // The revision was forgotten while this one was being made: it goes as soon as it is made.
    volatile boolean forgotten;
    // Asked for after a start, then at zero as well: kept as at zero (it may make room).
    volatile boolean atZero;
  }

  /** Why a container is prepared, which decides what may make room for it. */
  public enum Occasion {
    /** The revision is at zero: when the pool is full, the one prepared longest ago goes. */
    AT_ZERO,
    /** An instance of the revision became ready: only a free place in the pool is taken. */
    AFTER_START
  }

  // How long a start waits for its revision's container being created right then.
  private static final long CREATING_PATIENCE_SECONDS = 5;

  /**
   * @param shim the shim binary; null when there is none (nothing is prepared)
   * @param reserved the backend's live keys, which a reconcile leaves alone
   */
  public Preparations(
      Host host, Launcher launcher, PreparedPool pool, Path shim, Set<String> reserved) {
    this.host = host;
    this.launcher = launcher;
    this.pool = pool;
    this.shim = shim;
    this.reserved = reserved;
  }

  public boolean enabled() {
    return shim != null && pool.enabled() && !closed;
  }

  public PreparedPool pool() {
    return pool;
  }

  /** Whether {@code revisionKey} has a container waiting that was made from {@code from}. */
  public boolean has(String revisionKey, Object from) {
    return pool.has(revisionKey, from);
  }

  /**
   * Prepares a container for {@code revision} (known here as {@code revisionKey}) between starts,
   * unless one made from {@code from} (the template its config follows) is waiting or one is being
   * made; one made from something else goes. {@code keyBase} is a runtime-safe name for it. {@link
   * Occasion#AFTER_START} prepares only when the pool has a free place.
   */
  public void prepare(
      Revision revision,
      String revisionKey,
      String keyBase,
      ContainerImage image,
      Launcher.Limits limits,
      Object from,
      Occasion occasion) {
    if (!enabled() || failed.contains(revisionKey) || pool.has(revisionKey, from)) {
      return;
    }
    Prepared stale = pool.remove(revisionKey);
    if (stale != null) {
      LOG.log(Level.DEBUG, "container {0} no longer fits {1}: it goes", stale.key(), revisionKey);
      discard(stale);
    }
    if (occasion == Occasion.AFTER_START && pool.size() + preparing.size() >= pool.bound()) {
      return; // no free place: one made after a start never pushes another out
    }
    Pending pending = new Pending();
    pending.atZero = occasion == Occasion.AT_ZERO;
    Pending before = preparing.putIfAbsent(revisionKey, pending);
    if (before != null) {
      if (pending.atZero) {
        before.atZero = true;
      }
      return;
    }
    host.network()
        .between()
        .runBetweenStarts(
            "prepare a container for " + revisionKey,
            () -> {
              try {
                synchronized (pending) {
                  if (pending.cancelled) {
                    return;
                  }
                  pending.running = true;
                }
                prepareNow(revision, revisionKey, keyBase, image, limits, from, pending);
              } finally {
                preparing.remove(revisionKey, pending);
                pending.done.complete(null);
              }
            });
  }

  private void prepareNow(
      Revision revision,
      String revisionKey,
      String keyBase,
      ContainerImage image,
      Launcher.Limits limits,
      Object from,
      Pending pending) {
    if (!enabled()
        || pool.has(revisionKey, from)
        || (!pending.atZero && pool.size() >= pool.bound())) {
      return;
    }
    String key = PREFIX + seq.incrementAndGet() + "." + keyBase;
    if (key.length() > 100) {
      key = key.substring(0, 100);
    }
    reserved.add(key);
    Prepared p;
    try {
      p = launcher.prepare(new InstanceSpec(key, revision, (s, l) -> {}), key, image, limits, shim);
    } catch (RuntimeException e) {
      reserved.remove(key);
      failed.add(revisionKey);
      LOG.log(Level.WARNING, "cannot prepare a container for {0} ahead: {1}", revisionKey, e);
      return;
    }
    boolean atZero = pending.atZero;
    LOG.log(
        Level.DEBUG,
        "container {0} prepared for {1} ({2})",
        key,
        revisionKey,
        atZero ? "at zero" : "after a start");
    if (atZero) {
      pool.put(revisionKey, p, from).forEach(this::discardNow);
    } else if (!pool.putIfFree(revisionKey, p, from)) {
      discardNow(p);
    }
    if (pending.forgotten) {
      Prepared gone = pool.remove(revisionKey);
      if (gone != null) {
        discardNow(gone);
      }
    }
    if (closed) {
      pool.removeAll().forEach(this::discardNow);
    }
  }

  /**
   * Takes {@code revisionKey}'s prepared container, or null. One still waiting for its turn is not
   * made (the start goes the usual way instead of waiting for a moment without starts); one being
   * created right now is waited for (a while), as starting another beside it would compete with it
   * for the CPU. Blocking.
   */
  public Prepared take(String revisionKey) {
    if (!enabled()) {
      return null;
    }
    Pending pending = preparing.get(revisionKey);
    if (pending != null) {
      boolean running;
      synchronized (pending) {
        running = pending.running;
        pending.cancelled = !running;
      }
      if (running) {
        try {
          pending.done.get(CREATING_PATIENCE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
          // not ready in time: the start goes the usual way
        }
      } else {
        preparing.remove(revisionKey, pending);
      }
    }
    return pool.take(revisionKey);
  }

  /** Removes {@code p} between starts. */
  public void discard(Prepared p) {
    host.network()
        .between()
        .runBetweenStarts("remove prepared container " + p.key(), () -> discardNow(p));
  }

  /** The revision started an instance: a preparation that failed before may be tried again. */
  public void started(String revisionKey) {
    failed.remove(revisionKey);
  }

  /** The revision was deleted: its prepared container goes, and one queued or being made too. */
  public void forget(String revisionKey) {
    failed.remove(revisionKey);
    Pending pending = preparing.get(revisionKey);
    if (pending != null) {
      synchronized (pending) {
        pending.cancelled = true;
        pending.forgotten = true;
      }
    }
    Prepared p = pool.remove(revisionKey);
    if (p != null) {
      discard(p);
    }
  }

  /** Removes every prepared container now and prepares no more; blocking. */
  public void close() {
    closed = true;
    pool.removeAll().forEach(this::discardNow);
  }

  // Only for containers never woken: they wrote no logs, so their whole bundle goes.
  private void discardNow(Prepared p) {
    List<String> failures = p.discard();
    if (failures.isEmpty()) {
      p.bundle().deleteAll();
    }
    reserved.remove(p.key());
    if (!failures.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "removing prepared container {0} left things behind (the next reconcile removes them):"
              + " {1}",
          p.key(),
          failures);
    }
  }
}
