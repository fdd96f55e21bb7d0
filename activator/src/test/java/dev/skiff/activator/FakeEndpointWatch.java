package dev.skiff.activator;

import dev.skiff.activator.spi.Endpoint;
import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.RevisionEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** An in-memory endpoint watch the test publishes to; listeners hear changes on the test thread. */
final class FakeEndpointWatch implements EndpointWatch {
  private final Map<String, RevisionEndpoints> state = new HashMap<>();
  private final Map<String, List<Consumer<RevisionEndpoints>>> listeners = new HashMap<>();
  private int watches;

  /** Publishes the revision's ready endpoints and container concurrency. */
  synchronized void publish(String ns, String rev, int containerConcurrency, Endpoint... ready) {
    RevisionEndpoints now = new RevisionEndpoints(List.of(ready), containerConcurrency);
    state.put(ns + "/" + rev, now);
    // Under the lock, as an implementation may do: calls stay in order per listener.
    for (Consumer<RevisionEndpoints> l : listeners.getOrDefault(ns + "/" + rev, List.of())) {
      l.accept(now);
    }
  }

  /** Publishes that the revision has no endpoint and cannot get one, with the reason. */
  synchronized void publishUnavailable(String ns, String rev, String reason) {
    RevisionEndpoints now = new RevisionEndpoints(List.of(), 0, reason);
    state.put(ns + "/" + rev, now);
    for (Consumer<RevisionEndpoints> l : listeners.getOrDefault(ns + "/" + rev, List.of())) {
      l.accept(now);
    }
  }

  synchronized int listeners(String ns, String rev) {
    return listeners.getOrDefault(ns + "/" + rev, List.of()).size();
  }

  synchronized int watches() {
    return watches;
  }

  @Override
  public synchronized Subscription watch(
      String namespace, String revision, Consumer<RevisionEndpoints> listener) {
    String key = namespace + "/" + revision;
    watches++;
    listeners.computeIfAbsent(key, k -> new ArrayList<>()).add(listener);
    listener.accept(state.getOrDefault(key, RevisionEndpoints.NONE));
    return () -> {
      synchronized (this) {
        listeners.getOrDefault(key, new ArrayList<>()).remove(listener);
      }
    };
  }
}
