package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the platform observed of a revision.
 *
 * @param imageDigest the resolved image digest, for container revisions
 * @param desiredInstances what the autoscaler wants
 * @param readyInstances how many instances serve now
 * @param conditions {@code Ready} and friends
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RevisionStatus(
    String imageDigest,
    Integer desiredInstances,
    Integer readyInstances,
    List<Condition> conditions) {
  public RevisionStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }
}
