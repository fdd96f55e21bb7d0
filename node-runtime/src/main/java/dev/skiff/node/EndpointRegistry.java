package dev.skiff.node;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The ready endpoints of every revision on this node: snapshots for the request path, watches for
 * the activator, waiters for the first endpoint; and, for a revision that cannot get an instance,
 * the reason, so callers fail fast instead of waiting. Thread-safe: readers call from any event
 * loop, the agent writes from its own. Listeners run under this registry's lock, one change at a
 * time, in order.
 */
public final class EndpointRegistry {
  private record Key(String namespace, String revision) {}

  private final Vertx vertx;
  // Read on every request without a lock; written (whole immutable lists) under this registry's
  // lock.
  private final Map<Key, List<Endpoint>> ready = new ConcurrentHashMap<>();
  private final Map<Key, String> unavailable = new ConcurrentHashMap<>();
  private final Map<Key, List<Promise<List<Endpoint>>>> waiters = new HashMap<>();
  private final Map<Key, List<Consumer<EndpointState>>> watchers = new HashMap<>();

  public EndpointRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A snapshot of the revision's ready endpoints; empty when none. */
  public List<Endpoint> ready(String namespace, String revision) {
    return ready.getOrDefault(new Key(namespace, revision), List.of());
  }

  /** Why the revision cannot get an instance now; null while it can. */
  public String unavailable(String namespace, String revision) {
    return unavailable.get(new Key(namespace, revision));
  }

  /**
   * Calls {@code listener} now with the revision's state and again after every change, until the
   * returned handle runs. The listener must not block.
   */
  public synchronized Runnable watch(
      String namespace, String revision, Consumer<EndpointState> listener) {
    Key key = new Key(namespace, revision);
    watchers.computeIfAbsent(key, k -> new ArrayList<>()).add(listener);
    listener.accept(state(key));
    return () -> {
      synchronized (this) {
        List<Consumer<EndpointState>> list = watchers.get(key);
        if (list != null && list.remove(listener) && list.isEmpty()) {
          watchers.remove(key);
        }
      }
    };
  }

  /**
   * Completes, on the caller's context, with the ready endpoints as soon as there is at least one;
   * fails with {@link NotReadyException} after {@code timeout}, or as soon as the revision is
   * marked {@linkplain #markUnavailable unavailable}, with the reason.
   */
  public Future<List<Endpoint>> awaitReady(String namespace, String revision, Duration timeout) {
    Key key = new Key(namespace, revision);
    Context caller = vertx.getOrCreateContext();
    Promise<List<Endpoint>> promise = Promise.promise();
    synchronized (this) {
      List<Endpoint> now = ready.getOrDefault(key, List.of());
      if (!now.isEmpty()) {
        return Future.succeededFuture(now);
      }
      String why = unavailable.get(key);
      if (why != null) {
        return Future.failedFuture(notReady(key, why));
      }
      waiters.computeIfAbsent(key, k -> new ArrayList<>()).add(promise);
    }
    long timer =
        vertx.setTimer(
            Math.max(1, timeout.toMillis()),
            id -> {
              synchronized (this) {
                List<Promise<List<Endpoint>>> list = waiters.get(key);
                if (list != null) {
                  list.remove(promise);
                }
              }
              promise.tryFail(
                  new NotReadyException(
                      "revision "
                          + namespace
                          + "/"
                          + revision
                          + " has no ready instance after "
                          + timeout.toMillis()
                          + " ms"));
            });
    // Waiters are woken from the agent's thread; hand the result back on the caller's context.
    Promise<List<Endpoint>> onCaller = Promise.promise();
    promise
        .future()
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              caller.runOnContext(v -> onCaller.handle(ar));
            });
    return onCaller.future();
  }

  /** Publishes a ready endpoint, wakes the revision's waiters and tells its watchers. */
  public void add(String namespace, String revision, Endpoint endpoint) {
    Key key = new Key(namespace, revision);
    List<Promise<List<Endpoint>>> woken;
    List<Endpoint> snapshot;
    synchronized (this) {
      List<Endpoint> next = new ArrayList<>(ready.getOrDefault(key, List.of()));
      next.add(endpoint);
      unavailable.remove(key);
      snapshot = publish(key, next);
      woken = waiters.remove(key);
    }
    if (woken != null) {
      woken.forEach(p -> p.tryComplete(snapshot));
    }
  }

  /** Withdraws an endpoint, e.g. before its instance drains, and tells the revision's watchers. */
  public synchronized void remove(String namespace, String revision, String instanceId) {
    Key key = new Key(namespace, revision);
    List<Endpoint> next = new ArrayList<>(ready.getOrDefault(key, List.of()));
    if (next.removeIf(e -> e.instanceId().equals(instanceId))) {
      publish(key, next);
    }
  }

  /**
   * Marks the revision as unable to get an instance, with the reason: its waiters fail now with it
   * and its watchers learn it, until {@link #markAvailable} or a ready endpoint clears it.
   */
  public void markUnavailable(String namespace, String revision, String reason) {
    Key key = new Key(namespace, revision);
    List<Promise<List<Endpoint>>> failed;
    synchronized (this) {
      if (reason.equals(unavailable.put(key, reason))) {
        return;
      }
      tell(key);
      failed = waiters.remove(key);
    }
    if (failed != null) {
      failed.forEach(p -> p.tryFail(notReady(key, reason)));
    }
  }

  /** Clears a reason set by {@link #markUnavailable}: the revision may get an instance again. */
  public synchronized void markAvailable(String namespace, String revision) {
    Key key = new Key(namespace, revision);
    if (unavailable.remove(key) != null) {
      tell(key);
    }
  }

  private List<Endpoint> publish(Key key, List<Endpoint> next) {
    List<Endpoint> snapshot = List.copyOf(next);
    if (snapshot.isEmpty()) {
      ready.remove(key);
    } else {
      ready.put(key, snapshot);
    }
    tell(key);
    return snapshot;
  }

  private EndpointState state(Key key) {
    return new EndpointState(ready.getOrDefault(key, List.of()), unavailable.get(key));
  }

  private void tell(Key key) {
    List<Consumer<EndpointState>> list = watchers.get(key);
    if (list != null) {
      EndpointState now = state(key);
      for (Consumer<EndpointState> w : list) {
        w.accept(now);
      }
    }
  }

  private static NotReadyException notReady(Key key, String reason) {
    return new NotReadyException(
        "revision " + key.namespace() + "/" + key.revision() + " cannot start: " + reason);
  }
}
