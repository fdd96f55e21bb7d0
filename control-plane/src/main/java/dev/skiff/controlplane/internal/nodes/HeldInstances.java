package dev.skiff.controlplane.internal.nodes;

import dev.skiff.controlplane.nodes.ReportedInstance;
import java.util.ArrayList;
import java.util.List;

/**
 * What of a node's instance report may take requests: only instances of revisions assigned to the
 * node, each with an endpoint on the node's own registered address (anything else is listed without
 * one), so a node cannot steer requests to instances it does not run.
 */
final class HeldInstances {
  private HeldInstances() {}

  static List<ReportedInstance> of(
      String node,
      String address,
      List<NodeRecords.AssignmentRecord> assigned,
      List<NodeRecords.InstanceRecord> reported) {
    List<ReportedInstance> out = new ArrayList<>();
    for (NodeRecords.InstanceRecord s : reported) {
      // Instance ids are the node's own (its runtime names them); what the node may serve is
      // decided per revision.
      boolean held =
          assigned.stream()
              .anyMatch(
                  a -> a.namespace().equals(s.namespace()) && a.revision().equals(s.revision()));
      if (!held) {
        continue;
      }
      String host = null;
      int port = 0;
      String ep = s.endpoint() == null ? "" : s.endpoint();
      int colon = ep.lastIndexOf(':');
      if (colon > 0) {
        String h = ep.substring(0, colon).replace("[", "").replace("]", "");
        try {
          int p = Integer.parseInt(ep.substring(colon + 1));
          if (h.equals(address) && p > 0 && p < 65536) {
            host = h;
            port = p;
          }
        } catch (NumberFormatException e) {
          // not an endpoint: the instance is listed without one
        }
      }
      out.add(
          new ReportedInstance(
              node,
              s.namespace(),
              s.revision(),
              s.instance(),
              s.state(),
              host,
              port,
              s.identity()));
    }
    return out;
  }
}
