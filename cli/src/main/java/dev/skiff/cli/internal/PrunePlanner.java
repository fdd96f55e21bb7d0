package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Picks the revisions of a service that can go: those with no traffic and no tag. The latest
 * created and latest ready revisions always stay, and so does any revision named in {@code
 * spec.traffic} (even at 0%), since the control plane refuses to delete what traffic names.
 */
public final class PrunePlanner {
  private PrunePlanner() {}

  public static List<Revision> prunable(Service s, List<Revision> revisions) {
    Set<String> keep = new HashSet<>();
    ResolvedTraffic resolved = ResolvedTraffic.of(s);
    keep.addAll(resolved.percents().keySet());
    for (TrafficTarget t : resolved.entries()) {
      if (t.tag() != null && t.revisionName() != null) {
        keep.add(t.revisionName());
      }
    }
    if (s.spec() != null) {
      for (TrafficTarget t : s.spec().traffic()) {
        if (t.revisionName() != null) {
          keep.add(t.revisionName());
        }
      }
    }
    ServiceStatus st = s.status();
    if (st != null) {
      keep.add(st.latestCreatedRevisionName());
      keep.add(st.latestReadyRevisionName());
    }
    revisions.stream()
        .max(java.util.Comparator.comparingInt(Revisions::number))
        .map(Revisions::name)
        .ifPresent(keep::add);
    return revisions.stream()
        .filter(r -> !keep.contains(Revisions.name(r)))
        .sorted(Revisions.NEWEST_FIRST.reversed())
        .toList();
  }
}
