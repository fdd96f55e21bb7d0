package dev.skiff.server;

import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.nodes.ReportedInstance;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.InstanceInfo;
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

  /** Each live node's last report, every state, for listing. */
  private final Map<String, List<ReportedInstance>> reports = new HashMap<>();

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
    reports.put(node, List.copyOf(instances));
  }

  /**
   * The instances remote nodes last reported in {@code namespace} (of {@code service} only, unless
   * null), as {@code GET /v1/instances} lists them, with their node.
   */
  synchronized List<InstanceInfo> instances(String namespace, String service) {
    List<InstanceInfo> out = new java.util.ArrayList<>();
    reports.forEach(
        (node, list) -> {
          for (ReportedInstance i : list) {
            String svc = serviceOf(i.revision());
            if (!i.namespace().equals(namespace) || (service != null && !service.equals(svc))) {
              continue;
            }
            out.add(
                new InstanceInfo(
                    node + "/" + i.instance(),
                    i.namespace(),
                    svc,
                    i.revision(),
                    "wasm",
                    node,
                    i.ready() ? InstanceInfo.READY : InstanceInfo.STARTING,
                    null,
                    0,
                    i.ready() ? hostPort(i.host(), i.port()) : null,
                    i.identity()));
          }
        });
    return out;
  }

  /** A revision's service: revisions are named {@code {service}-{NNNNN}}. */
  static String serviceOf(String revision) {
    int dash = revision.lastIndexOf('-');
    return dash > 0 ? revision.substring(0, dash) : revision;
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public synchronized void lost(String node) {
    reports.remove(node);
    Map<String, Published> gone = byNode.remove(node);
    EndpointRegistry r = registry.get();
    if (gone == null || r == null) {
      return;
    }
    gone.forEach((id, p) -> r.remove(p.namespace(), p.revision(), id));
    LOG.log(
        Level.WARNING,
        "node {0} is gone (its lease ran out or its connection closed): withdrew its {1} endpoint(s)",
        node,
        gone.size());
  }

  /** The node of a remote endpoint's instance id, or null for an instance of this process. */
  static String nodeOf(String instanceId) {
    int slash = instanceId.indexOf('/');
    return slash > 0 ? instanceId.substring(0, slash) : null;
  }
}
