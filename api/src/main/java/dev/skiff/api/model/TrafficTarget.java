package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One entry of a service's traffic split: exactly one of {@code revisionName} or {@code
 * latestRevision: true}, with a percent; optionally a tag that gets its own host name ({@code
 * {tag}-{service}.{namespace}.{domain}}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrafficTarget(
    String revisionName, Boolean latestRevision, Integer percent, String tag) {

  public static TrafficTarget latest(int percent) {
    return new TrafficTarget(null, true, percent, null);
  }

  public static TrafficTarget revision(String name, int percent) {
    return new TrafficTarget(name, null, percent, null);
  }

  @JsonIgnore // a helper, not a field: without this Jackson writes it and cannot read it back
  public boolean isLatest() {
    return Boolean.TRUE.equals(latestRevision);
  }

  public int percentOrZero() {
    return percent == null ? 0 : percent;
  }

  public TrafficTarget withTag(String newTag) {
    return new TrafficTarget(revisionName, latestRevision, percent, newTag);
  }

  public TrafficTarget withPercent(int newPercent) {
    return new TrafficTarget(revisionName, latestRevision, newPercent, tag);
  }
}
