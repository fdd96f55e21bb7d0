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

/**
 * The ready endpoints of every revision on this node, and waiters for a revision to get its first one.
 * Thread-safe: readers call from any event loop, the agent writes from its own.
 */
public final class EndpointRegistry {
  private record Key(String namespace, String revision) {}

  private final Vertx vertx;
  private final Map<Key, List<Endpoint>> ready = new HashMap<>();
  private final Map<Key, List<Promise<List<Endpoint>>>> waiters = new HashMap<>();

  public EndpointRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A snapshot of the revision's ready endpoints; empty when none. */
  public synchronized List<Endpoint> ready(String namespace, String revision) {
    return ready.getOrDefault(new Key(namespace, revision), List.of());
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
                      "revision " + namespace + "/" + revision + " has no ready instance after "
                          + timeout.toMillis() + " ms"));
            });
    // Waiters are woken from the agent's thread; hand the result back on the caller's context.
    Promise<List<Endpoint>> onCaller = Promise.promise();
    promise.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      caller.runOnContext(v -> onCaller.handle(ar));
    });
    return onCaller.future();
  }

  /** Publishes a ready endpoint and wakes the revision's waiters. */
  public void add(String namespace, String revision, Endpoint endpoint) {
    Key key = new Key(namespace, revision);
    List<Promise<List<Endpoint>>> woken;
    List<Endpoint> snapshot;
    synchronized (this) {
      List<Endpoint> next = new ArrayList<>(ready.getOrDefault(key, List.of()));
      next.add(endpoint);
      snapshot = List.copyOf(next);
      ready.put(key, snapshot);
      woken = waiters.remove(key);
    }
    if (woken != null) {
      woken.forEach(p -> p.tryComplete(snapshot));
    }
  }

  /** Withdraws an endpoint, e.g. before its instance drains. */
  public synchronized void remove(String namespace, String revision, String instanceId) {
    Key key = new Key(namespace, revision);
    List<Endpoint> next = new ArrayList<>(ready.getOrDefault(key, List.of()));
    next.removeIf(e -> e.instanceId().equals(instanceId));
    if (next.isEmpty()) {
      ready.remove(key);
    } else {
      ready.put(key, List.copyOf(next));
    }
  }
}
