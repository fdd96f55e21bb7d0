package dev.skiff.nodeagent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Service;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.node.v1.NodeEndpoints;
import dev.skiff.api.node.v1.RouteUpdate;
import dev.skiff.api.node.v1.ServiceRoute;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.nodeagent.internal.Backoff;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * What the node's mesh callers route by, followed over the link (WatchRoutes): services' routing
 * parts as change-feed events for routing's table ({@code services}), and every node's ready
 * instances, with the identity each presents, as endpoints in {@code registry} (the instance id
 * {@code {node}/{instance}}). A broken stream is opened again after a backoff; meanwhile the
 * endpoints are withdrawn (a caller waits for them within its timeout) and services the new stream
 * no longer lists are deleted.
 */
public final class RouteFeed {
  private static final System.Logger LOG = System.getLogger(RouteFeed.class.getName());

  private record Published(String namespace, String revision, Endpoint endpoint) {}

  private final Vertx vertx;
  private final WorkCalls calls;
  private final Consumer<ResourceEvent> services;
  private final EndpointRegistry registry;
  private final Backoff backoff =
      new Backoff(
          Duration.ofMillis(200), Duration.ofSeconds(5), ThreadLocalRandom.current()::nextDouble);

  // Confined to the link's event loop (stream handlers) except stop.
  private final Map<String, Map<String, Published>> byNode = new HashMap<>();
  private final Set<String> knownServices = new HashSet<>();
  private final Set<String> sentThisStream = new HashSet<>();
  private volatile boolean stopped;

  public RouteFeed(
      Vertx vertx, WorkCalls calls, Consumer<ResourceEvent> services, EndpointRegistry registry) {
    this.vertx = vertx;
    this.calls = calls;
    this.services = services;
    this.registry = registry;
  }

  /** Opens the stream (again after each break, until {@link #stop}). */
  public void start() {
    vertx.runOnContext(v -> open());
  }

  public void stop() {
    stopped = true;
  }

  private void open() {
    if (stopped) {
      return;
    }
    sentThisStream.clear();
    calls
        .watchRoutes(this::apply)
        .onComplete(
            ar -> {
              if (stopped) {
                return;
              }
              withdrawAll();
              Duration d = backoff.next();
              LOG.log(
                  System.Logger.Level.WARNING,
                  "the route stream from the control plane ended; opening it again in {0} ms: {1}",
                  d.toMillis(),
                  ar.failed() ? ar.cause().getMessage() : "ended");
              vertx.setTimer(d.toMillis(), t -> open());
            });
  }

  /** One update of the stream. */
  void apply(RouteUpdate u) {
    backoff.reset();
    switch (u.getUpdateCase()) {
      case SERVICE -> service(u.getService());
      case ENDPOINTS -> endpoints(u.getEndpoints());
      case LISTED -> listed(u.getListed().getRevision());
      default -> LOG.log(System.Logger.Level.DEBUG, "skipping an unknown route update");
    }
  }

  private void service(ServiceRoute s) {
    if (s.getDeleted()) {
      knownServices.remove(s.getKey());
      services.accept(
          new ResourceEvent(
              ResourceEvent.Type.DELETE, Service.KIND, s.getKey(), s.getRevision(), null));
      return;
    }
    JsonNode object;
    try {
      object = Json.mapper().readTree(s.getServiceJson().toByteArray());
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "skipping the unreadable route of {0}: {1}",
          s.getKey(),
          e.getMessage());
      return;
    }
    knownServices.add(s.getKey());
    sentThisStream.add(s.getKey());
    services.accept(
        new ResourceEvent(
            ResourceEvent.Type.PUT, Service.KIND, s.getKey(), s.getRevision(), object));
  }

  /** The first listing of this stream is complete: what it did not name is gone. */
  private void listed(long revision) {
    for (String key : Set.copyOf(knownServices)) {
      if (!sentThisStream.contains(key)) {
        knownServices.remove(key);
        services.accept(
            new ResourceEvent(ResourceEvent.Type.DELETE, Service.KIND, key, revision, null));
      }
    }
  }

  private void endpoints(NodeEndpoints n) {
    String node = n.getNodeName();
    Map<String, Published> before = byNode.getOrDefault(node, Map.of());
    Map<String, Published> now = new HashMap<>();
    for (InstanceStatus i : n.getInstancesList()) {
      Published p = published(node, i);
      if (p == null) {
        continue;
      }
      now.put(p.endpoint().instanceId(), p);
      if (!p.equals(before.get(p.endpoint().instanceId()))) {
        registry.add(p.namespace(), p.revision(), p.endpoint());
      }
    }
    before.forEach(
        (id, p) -> {
          if (!now.containsKey(id)) {
            registry.remove(p.namespace(), p.revision(), id);
          }
        });
    if (now.isEmpty()) {
      byNode.remove(node);
    } else {
      byNode.put(node, now);
    }
  }

  /** An instance as an endpoint, or null when it lacks an address or identity. */
  private static Published published(String node, InstanceStatus i) {
    String ep = i.getEndpoint();
    int colon = ep.lastIndexOf(':');
    if (colon < 1 || i.getIdentity().isEmpty()) {
      return null;
    }
    String host = ep.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(ep.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    return new Published(
        i.getNamespace(),
        i.getRevision(),
        new Endpoint(node + "/" + i.getInstance(), host, port, i.getIdentity()));
  }

  private void withdrawAll() {
    byNode.forEach(
        (node, eps) -> eps.forEach((id, p) -> registry.remove(p.namespace(), p.revision(), id)));
    byNode.clear();
  }
}
