package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the CLI reads scale: instance counts from a revision's status, settings from the {@code
 * autoscaling.knative.dev/*} annotations of its template.
 */
public final class Scaling {
  private Scaling() {}

  /**
   * {@code ready/desired} from the revision's status, e.g. {@code 0/1} while an instance starts; a
   * count the status lacks shows as {@code -}, and null comes back when it has neither.
   */
  public static String instances(Revision r) {
    RevisionStatus st = r.status();
    if (st == null || (st.readyInstances() == null && st.desiredInstances() == null)) {
      return null;
    }
    return count(st.readyInstances()) + "/" + count(st.desiredInstances());
  }

  /**
   * The ready instances of the revisions that receive a share of {@code s}'s traffic now, summed;
   * null when none of them reports a count. {@code revisions} may hold other services' revisions
   * too.
   */
  public static Integer routedReady(Service s, List<Revision> revisions) {
    String ns = s.metadata().namespaceOrDefault();
    Set<String> routed = ResolvedTraffic.of(s).percents().keySet();
    Integer sum = null;
    for (Revision r : revisions) {
      boolean mine =
          r.metadata() != null
              && ns.equals(r.metadata().namespaceOrDefault())
              && routed.contains(Revisions.name(r));
      Integer ready = r.status() == null ? null : r.status().readyInstances();
      if (mine && ready != null) {
        sum = (sum == null ? 0 : sum) + ready;
      }
    }
    return sum;
  }

  /**
   * The revision's min-scale, max-scale, target and window, each as its annotation says or, when
   * absent, Knative's default, in that order.
   */
  public static List<String> settings(Revision r) {
    Map<String, String> a =
        r.spec() == null || r.spec().template() == null
            ? Map.of()
            : r.spec().template().annotations();
    ScalingSettings d = ScalingSettings.DEFAULTS;
    return List.of(
        a.getOrDefault(ScalingSettings.MIN_SCALE, String.valueOf(d.minScale())),
        a.getOrDefault(ScalingSettings.MAX_SCALE, String.valueOf(d.maxScale())),
        a.getOrDefault(ScalingSettings.TARGET, number(d.target())),
        // 60s as Knative writes the default, rather than Durations.format's 1m.
        a.getOrDefault(ScalingSettings.WINDOW, d.window().toSeconds() + "s"));
  }

  /**
   * The autoscaling annotations the service's next revision gets: the service-level ones,
   * overridden by the template's (as the control plane merges them). A change to these makes a new
   * revision.
   */
  public static Map<String, String> effective(Service s) {
    Map<String, String> merged = new HashMap<>();
    putAutoscaling(merged, s.metadata().annotations());
    if (s.spec() != null && s.spec().template() != null) {
      putAutoscaling(merged, s.spec().template().annotations());
    }
    return merged;
  }

  private static void putAutoscaling(Map<String, String> into, Map<String, String> annotations) {
    annotations.forEach(
        (k, v) -> {
          if (k.startsWith(ScalingSettings.PREFIX)) {
            into.put(k, v);
          }
        });
  }

  private static String count(Integer n) {
    return n == null ? "-" : n.toString();
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
