package dev.skiff.activator;

import dev.skiff.activator.spi.Endpoint;
import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.gateway.spi.EndpointSource;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One view of the ready endpoints for both the gateway (snapshots) and the activator (a watch), as
 * the node runtime will give them in {@code skiffd}.
 */
final class SharedEndpoints implements EndpointSource, EndpointWatch {
  private final Map<String, RevisionEndpoints> state = new HashMap<>();
  private final Map<String, List<Consumer<RevisionEndpoints>>> listeners = new HashMap<>();

  synchronized void publish(String ns, String rev, int containerConcurrency, Endpoint... ready) {
    RevisionEndpoints now = new RevisionEndpoints(List.of(ready), containerConcurrency);
    state.put(ns + "/" + rev, now);
    listeners.getOrDefault(ns + "/" + rev, List.of()).forEach(l -> l.accept(now));
  }

  @Override
  public synchronized List<dev.skiff.gateway.spi.Endpoint> ready(
      String namespace, String revision) {
    return state.getOrDefault(namespace + "/" + revision, RevisionEndpoints.NONE).ready().stream()
        .map(e -> new dev.skiff.gateway.spi.Endpoint(e.host(), e.port(), e.identity()))
        .toList();
  }

  @Override
  public Future<List<dev.skiff.gateway.spi.Endpoint>> awaitReady(
      String namespace, String revision, Duration timeout) {
    return Future.failedFuture(
        new IllegalStateException("with an activator the gateway never waits for endpoints"));
  }

  @Override
  public synchronized Subscription watch(
      String namespace, String revision, Consumer<RevisionEndpoints> listener) {
    String key = namespace + "/" + revision;
    listeners.computeIfAbsent(key, k -> new ArrayList<>()).add(listener);
    listener.accept(state.getOrDefault(key, RevisionEndpoints.NONE));
    return () -> {
      synchronized (this) {
        listeners.getOrDefault(key, new ArrayList<>()).remove(listener);
      }
    };
  }
}
