package dev.skiff.node;

import dev.skiff.api.stats.RevisionKey;
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
 * the reason, so callers fail fast instead of waiting. An endpoint is published in two states:
 * ready in process only (its front's listener not bound yet, {@link Endpoint#listening()} false),
 * which only watchers and {@link #serving} see, then listening, which {@link #ready} and {@link
 * #awaitReady} see too; callers over the network never get an address that does not accept yet.
 * Thread-safe: readers call from any event loop, the agent writes from its own. Listeners run under
 * this registry's lock, one change at a time, in order.
 */
public final class EndpointRegistry {

  private final Vertx vertx;
  // Read on every request without a lock; written (whole immutable lists) under this registry's
  // lock.
  private final Map<RevisionKey, List<Endpoint>> ready = new ConcurrentHashMap<>();
  // Every ready endpoint, listening or in process only; same discipline.
  private final Map<RevisionKey, List<Endpoint>> serving = new ConcurrentHashMap<>();
  private final Map<RevisionKey, String> unavailable = new ConcurrentHashMap<>();
  private final Map<RevisionKey, List<Promise<List<Endpoint>>>> waiters = new HashMap<>();
  private final Map<RevisionKey, List<Consumer<EndpointState>>> watchers = new HashMap<>();

  public EndpointRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * A snapshot of the revision's ready endpoints that callers over the network can reach (their
   * listener is bound); empty when none.
   */
  public List<Endpoint> ready(String namespace, String revision) {
    return ready.getOrDefault(new RevisionKey(namespace, revision), List.of());
  }

  /**
   * A snapshot of every ready endpoint of the revision, those served in process only included: the
   * instances that serve now, as the autoscaler counts them.
   */
  public List<Endpoint> serving(String namespace, String revision) {
    return serving.getOrDefault(new RevisionKey(namespace, revision), List.of());
  }

  /**
   * How many endpoints {@link #serving} lists for the revision, without a key or a list to
   * allocate: the autoscaler asks for every revision on every tick, most of them at zero.
   */
  public int servingCount(RevisionKey revision) {
    List<Endpoint> s = serving.get(revision);
    return s == null ? 0 : s.size();
  }

  /** Why the revision cannot get an instance now; null while it can. */
  public String unavailable(String namespace, String revision) {
    return unavailable.get(new RevisionKey(namespace, revision));
  }

  /**
   * Calls {@code listener} now with the revision's state and again after every change, until the
   * returned handle runs. The state lists every ready endpoint, those served in process only
   * included (port 0): a watcher that is not in this process must skip those. The listener must not
   * block.
   */
  public synchronized Runnable watch(
      String namespace, String revision, Consumer<EndpointState> listener) {
    RevisionKey key = new RevisionKey(namespace, revision);
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
    RevisionKey key = new RevisionKey(namespace, revision);
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

  /**
   * Publishes a ready endpoint, or its new state when its instance has one already (listening now):
   * wakes the revision's waiters once it listens and tells its watchers.
   */
  public void add(String namespace, String revision, Endpoint endpoint) {
    RevisionKey key = new RevisionKey(namespace, revision);
    List<Promise<List<Endpoint>>> woken;
    List<Endpoint> snapshot;
    synchronized (this) {
      List<Endpoint> next = new ArrayList<>(serving.getOrDefault(key, List.of()));
      int at = indexOf(next, endpoint.instanceId());
      if (at >= 0) {
        next.set(at, endpoint);
      } else {
        next.add(endpoint);
      }
      unavailable.remove(key);
      snapshot = publish(key, next);
      woken = snapshot.isEmpty() ? null : waiters.remove(key);
    }
    if (woken != null) {
      woken.forEach(p -> p.tryComplete(snapshot));
    }
  }

  /** Withdraws an endpoint, e.g. before its instance drains, and tells the revision's watchers. */
  public synchronized void remove(String namespace, String revision, String instanceId) {
    RevisionKey key = new RevisionKey(namespace, revision);
    List<Endpoint> next = new ArrayList<>(serving.getOrDefault(key, List.of()));
    if (next.removeIf(e -> e.instanceId().equals(instanceId))) {
      publish(key, next);
    }
  }

  /**
   * Marks the revision as unable to get an instance, with the reason: its waiters fail now with it
   * and its watchers learn it, until {@link #markAvailable} or a ready endpoint clears it.
   */
  public void markUnavailable(String namespace, String revision, String reason) {
    RevisionKey key = new RevisionKey(namespace, revision);
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
    RevisionKey key = new RevisionKey(namespace, revision);
    if (unavailable.remove(key) != null) {
      tell(key);
    }
  }

  /** Publishes every ready endpoint; returns the listening ones. Caller holds the lock. */
  private List<Endpoint> publish(RevisionKey key, List<Endpoint> next) {
    List<Endpoint> all = List.copyOf(next);
    List<Endpoint> listening = all.stream().filter(Endpoint::listening).toList();
    put(serving, key, all);
    put(ready, key, listening);
    tell(key);
    return listening;
  }

  private static void put(
      Map<RevisionKey, List<Endpoint>> map, RevisionKey key, List<Endpoint> list) {
    if (list.isEmpty()) {
      map.remove(key);
    } else {
      map.put(key, list);
    }
  }

  private static int indexOf(List<Endpoint> list, String instanceId) {
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).instanceId().equals(instanceId)) {
        return i;
      }
    }
    return -1;
  }

  private EndpointState state(RevisionKey key) {
    return new EndpointState(serving.getOrDefault(key, List.of()), unavailable.get(key));
  }

  private void tell(RevisionKey key) {
    List<Consumer<EndpointState>> list = watchers.get(key);
    if (list != null) {
      EndpointState now = state(key);
      for (Consumer<EndpointState> w : list) {
        w.accept(now);
      }
    }
  }

  private static NotReadyException notReady(RevisionKey key, String reason) {
    return new NotReadyException(
        "revision " + key.namespace() + "/" + key.name() + " cannot start: " + reason);
  }
}
