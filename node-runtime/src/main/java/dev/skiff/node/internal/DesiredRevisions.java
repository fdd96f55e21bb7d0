package dev.skiff.node.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Which revisions are routed, and so active whatever their scale: every revision that traffic
 * reaches (by percent or by tag), and the newest revision of each service, so it can become ready
 * before traffic moves to it. A revision that leaves this set retires ({@link ResourceFeed}).
 */
public final class DesiredRevisions {
  private DesiredRevisions() {}

  /** Keys {@code namespace/revision} of the revisions to run. */
  public static Set<String> compute(Collection<Service> services, Collection<Revision> revisions) {
    Set<String> out = new HashSet<>();
    for (Service s : services) {
      String ns = s.metadata().namespaceOrDefault();
      if (s.status() == null) {
        continue;
      }
      if (s.status().latestCreatedRevisionName() != null) {
        out.add(ns + "/" + s.status().latestCreatedRevisionName());
      }
      for (TrafficTarget t : s.status().traffic()) {
        if (t.revisionName() != null && (t.percentOrZero() > 0 || t.tag() != null)) {
          out.add(ns + "/" + t.revisionName());
        }
      }
    }
    // Only revisions the agent has actually seen can be started.
    Set<String> known = new HashSet<>();
    for (Revision r : revisions) {
      known.add(r.metadata().namespaceOrDefault() + "/" + r.metadata().name());
    }
    out.retainAll(known);
    return out;
  }
}
