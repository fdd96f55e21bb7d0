package dev.skiff.api.validation;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import java.util.List;
import java.util.Map;

/**
 * Ceilings an installation puts on what a service may ask for, checked when it is written (422 with
 * the field, the ceiling and the flag that sets it). Unlike {@link ResourceValidator}'s rules,
 * which hold everywhere, these are the operator's choice.
 *
 * @param maxInstancesPerRevision the most instances one revision may ask for through {@code
 *     min-scale}, {@code max-scale} and {@code initial-scale}
 * @param flag how the operator sets the ceiling, named in the hint
 */
public record AdmissionLimits(int maxInstancesPerRevision, String flag) {
  /** Skiff's default ceiling, set by skiffd's {@code --max-instances-per-revision}. */
  public static final int DEFAULT_MAX_INSTANCES_PER_REVISION = 100;

  /** No ceiling beyond the validator's (tools and tests that build services by hand). */
  public static final AdmissionLimits NONE = new AdmissionLimits(Integer.MAX_VALUE, "none");

  public AdmissionLimits {
    if (maxInstancesPerRevision < 1) {
      throw new IllegalArgumentException(
          "the instance ceiling per revision must be at least 1, got " + maxInstancesPerRevision);
    }
  }

  /** Throws {@link ValidationException} naming every scale annotation above the ceiling. */
  public void check(Service s) {
    Problems p = new Problems();
    Map<String, String> template =
        s.spec() == null || s.spec().template() == null
            ? Map.of()
            : s.spec().template().annotations();
    Map<String, String> meta = s.metadata() == null ? Map.of() : s.metadata().annotations();
    for (String key :
        List.of(
            ScalingSettings.MIN_SCALE, ScalingSettings.MAX_SCALE, ScalingSettings.INITIAL_SCALE)) {
      // The template's annotation wins over the service's, as in the effective settings.
      if (template.containsKey(key)) {
        check(p, "spec.template.annotations[" + key + "]", key, template.get(key));
      } else if (meta.containsKey(key)) {
        check(p, "metadata.annotations[" + key + "]", key, meta.get(key));
      }
    }
    p.throwIfAny();
  }

  private void check(Problems p, String field, String key, String value) {
    long n;
    try {
      n = Long.parseLong(value.trim());
    } catch (RuntimeException e) {
      return; // not a number: the validator reports it
    }
    if (n > maxInstancesPerRevision) {
      String name = key.substring(key.indexOf('/') + 1);
      p.add(
          field,
          name
              + " "
              + n
              + " is above this installation's ceiling of "
              + maxInstancesPerRevision
              + " instances per revision",
          "ask for at most "
              + maxInstancesPerRevision
              + ", or have the operator raise skiffd's "
              + flag);
    }
  }
}
