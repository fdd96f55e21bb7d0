package dev.skiff.server;

import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.nodes.ReportedInstance;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Remote nodes' ready instances as endpoints of this skiffd: mirrored into the same registry the
 * in-process node publishes to, which the gateway ({@link AgentEndpoints}), the activator and the
 * autoscaler ({@link Scaling}) read, so a remote instance is one more endpoint to them. Each is
 * called over mTLS with the identity its node reported (the node port keeps only instances of
 * revisions assigned to the node, at the node's own address). A node's report replaces its set; a
 * node that loses its lease loses its endpoints at once.
 */
final class RemoteEndpoints implements RemoteInstances {
  private static final System.Logger LOG = System.getLogger(RemoteEndpoints.class.getName());

  private record Published(String namespace, String revision, Endpoint endpoint) {}

  private final Supplier<EndpointRegistry> registry;

  /** What each node's last report published, by the endpoint's instance id. */
  private final Map<String, Map<String, Published>> byNode = new HashMap<>();

  RemoteEndpoints(Supplier<EndpointRegistry> registry) {
    this.registry = registry;
  }

  @Override
  public synchronized void reported(String node, List<ReportedInstance> instances) {
    EndpointRegistry r = registry.get();
    if (r == null) {
      return; // not started yet: the node's next report (every few seconds) carries it again
    }
    Map<String, Published> before = byNode.getOrDefault(node, Map.of());
    Map<String, Published> now = new HashMap<>();
    for (ReportedInstance i : instances) {
      if (!i.ready()) {
        continue;
      }
      // Instance ids are the node's own: prefixed with the node's name, they are unique here.
      String id = node + "/" + i.instance();
      Published p =
          new Published(
              i.namespace(), i.revision(), new Endpoint(id, i.host(), i.port(), i.identity()));
      now.put(id, p);
      if (!p.equals(before.get(id))) {
        r.add(p.namespace(), p.revision(), p.endpoint());
      }
    }
    before.forEach(
        (id, p) -> {
          if (!now.containsKey(id)) {
            r.remove(p.namespace(), p.revision(), id);
          }
        });
    byNode.put(node, now);
  }

  @Override
  public synchronized void lost(String node) {
    Map<String, Published> gone = byNode.remove(node);
    EndpointRegistry r = registry.get();
    if (gone == null || r == null) {
      return;
    }
    gone.forEach((id, p) -> r.remove(p.namespace(), p.revision(), id));
    LOG.log(
        Level.WARNING, "node {0} lost its lease: withdrew its {1} endpoint(s)", node, gone.size());
  }

  /** The node of a remote endpoint's instance id, or null for an instance of this process. */
  static String nodeOf(String instanceId) {
    int slash = instanceId.indexOf('/');
    return slash > 0 ? instanceId.substring(0, slash) : null;
  }
}
