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
 * the activator, waiters for the first endpoint. Thread-safe: readers call from any event loop, the
 * agent writes from its own. Listeners run under this registry's lock, one change at a time, in
 * order.
 */
public final class EndpointRegistry {
  private record Key(String namespace, String revision) {}

  private final Vertx vertx;
  // Read on every request without a lock; written (whole immutable lists) under this registry's
  // lock.
  private final Map<Key, List<Endpoint>> ready = new ConcurrentHashMap<>();
  private final Map<Key, List<Promise<List<Endpoint>>>> waiters = new HashMap<>();
  private final Map<Key, List<Consumer<List<Endpoint>>>> watchers = new HashMap<>();

  public EndpointRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A snapshot of the revision's ready endpoints; empty when none. */
  public List<Endpoint> ready(String namespace, String revision) {
    return ready.getOrDefault(new Key(namespace, revision), List.of());
  }

  /**
   * Calls {@code listener} now with the revision's ready endpoints and again after every change,
   * until the returned handle runs. The listener must not block.
   */
  public synchronized Runnable watch(
      String namespace, String revision, Consumer<List<Endpoint>> listener) {
    Key key = new Key(namespace, revision);
    watchers.computeIfAbsent(key, k -> new ArrayList<>()).add(listener);
    listener.accept(ready.getOrDefault(key, List.of()));
    return () -> {
      synchronized (this) {
        List<Consumer<List<Endpoint>>> list = watchers.get(key);
        if (list != null && list.remove(listener) && list.isEmpty()) {
          watchers.remove(key);
        }
      }
    };
  }

  /**
   * Completes, on the caller's context, with the ready endpoints as soon as there is at least one;
   * fails with {@link NotReadyException} after {@code timeout}.
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

  private List<Endpoint> publish(Key key, List<Endpoint> next) {
    List<Endpoint> snapshot = List.copyOf(next);
    if (snapshot.isEmpty()) {
      ready.remove(key);
    } else {
      ready.put(key, snapshot);
    }
    for (Consumer<List<Endpoint>> w : watchers.getOrDefault(key, List.of())) {
      w.accept(snapshot);
    }
    return snapshot;
  }
}
