package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the control plane observed and decided for a service.
 *
 * @param observedGeneration the generation of the spec this status describes
 * @param latestCreatedRevisionName the newest revision
 * @param latestReadyRevisionName the newest revision able to serve
 * @param url where the service answers, e.g. {@code http://hello.default.localhost}
 * @param traffic the spec's traffic with {@code latestRevision} resolved to a revision name
 * @param conditions {@code Ready} and friends
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ServiceStatus(
    Long observedGeneration,
    String latestCreatedRevisionName,
    String latestReadyRevisionName,
    String url,
    List<TrafficTarget> traffic,
    List<Condition> conditions) {
  public ServiceStatus {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }
}
