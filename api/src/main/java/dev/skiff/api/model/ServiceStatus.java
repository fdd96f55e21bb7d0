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
 * @param rollout the latest revision's gradual rollout, if the service has had one (see {@link
 *     TrafficPolicy}); it stays after it ended, and a rolled back one keeps the latest targets on
 *     its {@code from} revision until a newer revision is ready
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ServiceStatus(
    Long observedGeneration,
    String latestCreatedRevisionName,
    String latestReadyRevisionName,
    String url,
    List<TrafficTarget> traffic,
    List<Condition> conditions,
    Rollout rollout) {
  public ServiceStatus {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** A status without a rollout. */
  public ServiceStatus(
      Long observedGeneration,
      String latestCreatedRevisionName,
      String latestReadyRevisionName,
      String url,
      List<TrafficTarget> traffic,
      List<Condition> conditions) {
    this(
        observedGeneration,
        latestCreatedRevisionName,
        latestReadyRevisionName,
        url,
        traffic,
        conditions,
        null);
  }

  public ServiceStatus withRollout(Rollout r) {
    return new ServiceStatus(
        observedGeneration,
        latestCreatedRevisionName,
        latestReadyRevisionName,
        url,
        traffic,
        conditions,
        r);
  }
}
