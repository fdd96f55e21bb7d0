package dev.skiff.cli.internal;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Where a service's requests go now, per revision name: {@code status.traffic} when the control
 * plane has resolved it, otherwise the spec with {@code latestRevision} read as the latest ready
 * revision.
 */
public final class ResolvedTraffic {
  /** How an unresolved {@code latestRevision: true} entry is shown. */
  public static final String LATEST = "@latest";

  private final List<TrafficTarget> entries;

  private ResolvedTraffic(List<TrafficTarget> entries) {
    this.entries = List.copyOf(entries);
  }

  public static ResolvedTraffic of(Service s) {
    ServiceStatus st = s.status();
    String latestReady = st == null ? null : st.latestReadyRevisionName();
    List<TrafficTarget> source;
    if (st != null && !st.traffic().isEmpty()) {
      source = st.traffic();
    } else if (s.spec() != null && !s.spec().traffic().isEmpty()) {
      source = s.spec().traffic();
    } else {
      source = List.of(TrafficTarget.latest(100)); // an empty spec means 100% to the latest
    }
    List<TrafficTarget> out = new ArrayList<>();
    for (TrafficTarget t : source) {
      boolean unnamed = t.revisionName() == null || t.revisionName().isEmpty();
      out.add(
          unnamed && t.isLatest() ? new TrafficTarget(latestReady, true, t.percent(), t.tag()) : t);
    }
    return new ResolvedTraffic(out);
  }

  /** Entries with {@code revisionName} filled in where it could be resolved. */
  public List<TrafficTarget> entries() {
    return entries;
  }

  /** Percent per revision (or {@link #LATEST} when unresolved), only those receiving traffic. */
  public Map<String, Integer> percents() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (TrafficTarget t : entries) {
      if (t.percentOrZero() > 0) {
        out.merge(nameOf(t), t.percentOrZero(), Integer::sum);
      }
    }
    return out;
  }

  public int percentOf(String revision) {
    return percents().getOrDefault(revision, 0);
  }

  public List<String> tagsOf(String revision) {
    return entries.stream()
        .filter(t -> t.tag() != null && Objects.equals(revision, t.revisionName()))
        .map(TrafficTarget::tag)
        .toList();
  }

  /** {@code hello-00002=50%,hello-00001=50%}, or empty when nothing receives traffic. */
  public String summary() {
    return percents().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue() + "%")
        .collect(Collectors.joining(","));
  }

  /**
   * The URL reaching a tag: {@code http://hello.default.localhost} becomes {@code
   * http://tag-hello...}.
   */
  public static String tagUrl(String serviceUrl, String tag) {
    if (serviceUrl == null || serviceUrl.isEmpty()) {
      return null;
    }
    int i = serviceUrl.indexOf("://");
    return i < 0
        ? tag + "-" + serviceUrl
        : serviceUrl.substring(0, i + 3) + tag + "-" + serviceUrl.substring(i + 3);
  }

  static String nameOf(TrafficTarget t) {
    return t.revisionName() == null || t.revisionName().isEmpty() ? LATEST : t.revisionName();
  }
}
