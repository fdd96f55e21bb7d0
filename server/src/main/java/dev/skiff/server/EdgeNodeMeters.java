package dev.skiff.server;

import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.nodes.ReportedInstance;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an edge routes to, per node, on its {@code /metrics}: {@code
 * skiff_edge_node_endpoints{node}} counts the ready instances of each node it follows (0 once the
 * node is lost or its report withdrawn), then hands every change on to {@code next}.
 */
final class EdgeNodeMeters implements RemoteInstances {
  private final RemoteInstances next;
  private final MeterRegistry registry;
  private final Map<String, Integer> ready = new ConcurrentHashMap<>();

  EdgeNodeMeters(RemoteInstances next, MeterRegistry registry) {
    this.next = next;
    this.registry = registry;
  }

  @Override
  public void reported(String node, List<ReportedInstance> instances) {
    set(node, (int) instances.stream().filter(ReportedInstance::ready).count());
    next.reported(node, instances);
  }

  @Override
  public void lost(String node) {
    set(node, 0);
    next.lost(node);
  }

  private void set(String node, int count) {
    if (ready.put(node, count) == null) {
      Gauge.builder("skiff.edge.node.endpoints", ready, m -> m.getOrDefault(node, 0))
          .description("ready instances of the node this edge routes to")
          .tag("node", node)
          .register(registry);
    }
  }
}
