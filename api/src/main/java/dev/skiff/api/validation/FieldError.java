package dev.skiff.api.validation;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a manifest.
 *
 * @param field the path of the offending field, e.g. {@code spec.template.containerConcurrency}
 * @param message what is wrong, e.g. {@code must be >= 0}
 * @param hint how to fix it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(String field, String message, String hint) {

  @Override
  public String toString() {
    return field + ": " + message + (hint == null ? "" : " (" + hint + ")");
  }
}
