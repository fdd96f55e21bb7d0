package dev.skiff.node.internal;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which revisions are routed, and so active whatever their scale: every revision that traffic
 * reaches (by percent or by tag), and the newest revision of each service, so it can become ready
 * before traffic moves to it. A revision that leaves this set retires ({@link ResourceFeed}).
 *
 * <p>Kept per service and updated by each service's change, so that a change costs what that
 * service routes and not what every service routes: recomputing the whole set on each event of the
 * feed made a deploy's cost grow with the number of services (bench/notes/density.md, fifteenth
 * round). Not thread-safe; confined to the agent's context as {@link ResourceFeed}.
 */
public final class DesiredRevisions {
  /** Per service (by its feed key), the revision keys ({@code namespace/revision}) it routes. */
  private final Map<String, Set<String>> byService = new HashMap<>();

  /** How many services route each revision key; a key is absent at zero. */
  private final Map<String, Integer> routers = new HashMap<>();

  /**
   * Records what the service at {@code serviceKey} routes now ({@code service} null: deleted).
   *
   * @return the revision keys it routed before or routes now: those whose membership may have
   *     changed
   */
  public Set<String> update(String serviceKey, Service service) {
    Set<String> next = service == null ? Set.of() : routedBy(service);
    Set<String> before =
        next.isEmpty() ? byService.remove(serviceKey) : byService.put(serviceKey, next);
    if (before == null) {
      before = Set.of();
    }
    for (String key : before) {
      if (!next.contains(key)) {
        routers.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
      }
    }
    for (String key : next) {
      if (!before.contains(key)) {
        routers.merge(key, 1, Integer::sum);
      }
    }
    Set<String> touched = new HashSet<>(before);
    touched.addAll(next);
    return touched;
  }

  /** Whether some service routes the revision {@code namespace/revision}. */
  public boolean contains(String revisionKey) {
    return routers.containsKey(revisionKey);
  }

  /** Keys {@code namespace/revision} of the revisions one service routes. */
  static Set<String> routedBy(Service s) {
    if (s.status() == null) {
      return Set.of();
    }
    String ns = s.metadata().namespaceOrDefault();
    Set<String> out = new HashSet<>();
    if (s.status().latestCreatedRevisionName() != null) {
      out.add(ns + "/" + s.status().latestCreatedRevisionName());
    }
    for (TrafficTarget t : s.status().traffic()) {
      if (t.revisionName() != null && (t.percentOrZero() > 0 || t.tag() != null)) {
        out.add(ns + "/" + t.revisionName());
      }
    }
    return out;
  }
}
