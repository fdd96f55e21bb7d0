package dev.skiff.gateway;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * An in-memory endpoint source the test publishes to; waiters complete on the publishing thread.
 */
final class FakeEndpoints implements EndpointSource {
  private final Vertx vertx;
  private final Map<String, List<Endpoint>> ready = new HashMap<>();
  private final Map<String, List<Promise<List<Endpoint>>>> waiting = new HashMap<>();

  FakeEndpoints(Vertx vertx) {
    this.vertx = vertx;
  }

  void publish(String namespace, String revision, Endpoint... endpoints) {
    List<Promise<List<Endpoint>>> woken;
    List<Endpoint> now = List.of(endpoints);
    synchronized (this) {
      ready.put(namespace + "/" + revision, now);
      woken = now.isEmpty() ? List.of() : waiting.remove(namespace + "/" + revision);
    }
    if (woken != null) {
      woken.forEach(p -> p.tryComplete(now));
    }
  }

  synchronized int waiters(String namespace, String revision) {
    return waiting.getOrDefault(namespace + "/" + revision, List.of()).size();
  }

  @Override
  public synchronized List<Endpoint> ready(String namespace, String revision) {
    return ready.getOrDefault(namespace + "/" + revision, List.of());
  }

  @Override
  public synchronized Future<List<Endpoint>> awaitReady(
      String namespace, String revision, Duration timeout) {
    String key = namespace + "/" + revision;
    List<Endpoint> now = ready.getOrDefault(key, List.of());
    if (!now.isEmpty()) {
      return Future.succeededFuture(now);
    }
    Promise<List<Endpoint>> p = Promise.promise();
    waiting.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
    vertx.setTimer(
        timeout.toMillis(),
        id -> {
          synchronized (this) {
            List<Promise<List<Endpoint>>> list = waiting.get(key);
            if (list != null) {
              list.remove(p);
            }
          }
          p.tryFail(new TimeoutException(key + " not ready within " + timeout));
        });
    return p.future();
  }
}
