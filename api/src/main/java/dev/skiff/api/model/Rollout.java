package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A gradual rollout of a service's latest revision, in the service's status: the share of the
 * latest traffic targets that {@code to} takes moves from 1 % to 100 % over {@code durationSeconds}
 * (Knative's rollout-duration), unless it is rolled back.
 *
 * @param from the revision the latest targets served before
 * @param to the new latest ready revision
 * @param percent the share (of the latest targets' traffic) that {@code to} takes now
 * @param phase {@link #PROGRESSING}, {@link #SUCCEEDED} or {@link #ROLLED_BACK}
 * @param startedAt when {@code to} first took traffic
 * @param nextStepAt when the share grows next; null once the rollout ended
 * @param durationSeconds the rollout's length, fixed when it started
 * @param reason why it ended, e.g. {@code ErrorRateExceeded}; null while progressing
 * @param message what was measured against which threshold, for a person
 * @param finishedAt when it ended
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rollout(
    String from,
    String to,
    Integer percent,
    String phase,
    Instant startedAt,
    Instant nextStepAt,
    Long durationSeconds,
    String reason,
    String message,
    Instant finishedAt) {
  public static final String PROGRESSING = "Progressing";
  public static final String SUCCEEDED = "Succeeded";
  public static final String ROLLED_BACK = "RolledBack";

  @JsonIgnore
  public boolean isProgressing() {
    return PROGRESSING.equals(phase);
  }

  @JsonIgnore
  public boolean isRolledBack() {
    return ROLLED_BACK.equals(phase);
  }

  /** This rollout ended by a rollback at {@code at}, for {@code why} (a reason and a message). */
  public Rollout rolledBack(String why, String what, Instant at) {
    return new Rollout(from, to, 0, ROLLED_BACK, startedAt, null, durationSeconds, why, what, at);
  }
}
