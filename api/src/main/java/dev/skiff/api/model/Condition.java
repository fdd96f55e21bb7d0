package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A Knative-style status condition.
 *
 * @param type e.g. {@code Ready}
 * @param status {@code True}, {@code False} or {@code Unknown}
 * @param reason a CamelCase reason when not True
 * @param message a human explanation
 * @param lastTransitionTime when status last changed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    String type, String status, String reason, String message, Instant lastTransitionTime) {

  public static Condition ready(boolean ready, String reason, String message, Instant at) {
    return new Condition("Ready", ready ? "True" : "False", reason, message, at);
  }

  @JsonIgnore // a helper, not a field: without this Jackson writes it and cannot read it back
  public boolean isTrue() {
    return "True".equals(status);
  }
}
