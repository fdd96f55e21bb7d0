package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.RevisionStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * One revision's status from what each node running it reports (a pure function): ready and desired
 * instances summed; {@code Ready} True while any node serves it (or served it and is at zero), else
 * False with the first failing node's reason (a start that timed out, an image that cannot be
 * pulled), else Unknown with the reason of a start being retried; the nodes' other conditions
 * (InstancesRestarted, ResourcesAvailable) from the first node reporting each, its message naming
 * the node. A condition keeps its previous time when only the time would change.
 */
final class RevisionStatusMerge {
  private RevisionStatusMerge() {}

  /**
   * @param byNode each reporting node's view of the revision, by node name (ordered, so the same
   *     reports always merge to the same status); may be empty (no node runs it any more)
   * @param previous the status written last; null if none
   * @return the status to write; null when there is nothing to say (no node, nothing before)
   */
  static RevisionStatus merge(
      SortedMap<String, RevisionStatus> byNode, RevisionStatus previous, Instant now) {
    if (byNode.isEmpty()) {
      if (previous == null) {
        return null;
      }
      // No node runs it: at zero. Ready stays what it was (served before, or why it failed).
      return new RevisionStatus(previous.imageDigest(), 0, 0, previous.conditions());
    }
    int ready = 0;
    int desired = 0;
    String digest = null;
    for (RevisionStatus s : byNode.values()) {
      ready += s.readyInstances() == null ? 0 : s.readyInstances();
      desired += s.desiredInstances() == null ? 0 : s.desiredInstances();
      if (digest == null) {
        digest = s.imageDigest();
      }
    }
    List<Condition> conditions = new ArrayList<>();
    conditions.add(keepTime(ready(byNode, ready, now), find(previous, "Ready")));
    Map<String, Condition> others = new LinkedHashMap<>();
    byNode.forEach(
        (node, s) -> {
          for (Condition c : s.conditions()) {
            if (!"Ready".equals(c.type()) && !others.containsKey(c.type())) {
              others.put(c.type(), onNode(node, c, now));
            }
          }
        });
    others.values().forEach(c -> conditions.add(keepTime(c, find(previous, c.type()))));
    return new RevisionStatus(digest, desired, ready, conditions);
  }

  private static Condition ready(SortedMap<String, RevisionStatus> byNode, int ready, Instant now) {
    if (ready > 0) {
      return Condition.ready(true, null, null, now);
    }
    Map.Entry<String, Condition> failed = first(byNode, "False");
    if (failed != null) {
      Condition c = onNode(failed.getKey(), failed.getValue(), now);
      return Condition.ready(false, c.reason(), c.message(), now);
    }
    if (first(byNode, "True") != null) {
      return Condition.ready(true, null, null, now); // at zero after it served, or restarting
    }
    for (Map.Entry<String, RevisionStatus> e : byNode.entrySet()) {
      Condition c = find(e.getValue(), "Ready");
      if (c != null && c.reason() != null && !"Deploying".equals(c.reason())) {
        Condition on = onNode(e.getKey(), c, now);
        return new Condition("Ready", "Unknown", on.reason(), on.message(), now);
      }
    }
    return new Condition(
        "Ready", "Unknown", "Deploying", "waiting for the first instance on any node", now);
  }

  private static Map.Entry<String, Condition> first(
      SortedMap<String, RevisionStatus> byNode, String status) {
    for (Map.Entry<String, RevisionStatus> e : byNode.entrySet()) {
      Condition c = find(e.getValue(), "Ready");
      if (c != null && status.equals(c.status())) {
        return Map.entry(e.getKey(), c);
      }
    }
    return null;
  }

  private static Condition onNode(String node, Condition c, Instant now) {
    String message = c.message() == null ? "on node " + node : "node " + node + ": " + c.message();
    return new Condition(
        c.type(),
        c.status(),
        c.reason(),
        message,
        c.lastTransitionTime() == null ? now : c.lastTransitionTime());
  }

  private static Condition keepTime(Condition next, Condition previous) {
    return previous != null
            && next.status().equals(previous.status())
            && Objects.equals(next.reason(), previous.reason())
            && Objects.equals(next.message(), previous.message())
        ? previous
        : next;
  }

  private static Condition find(RevisionStatus s, String type) {
    return s == null
        ? null
        : s.conditions().stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
  }
}
