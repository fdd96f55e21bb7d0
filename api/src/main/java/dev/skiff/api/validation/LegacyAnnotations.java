package dev.skiff.api.validation;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Knative's older camelCase spellings of the autoscaling annotations ({@code
 * autoscaling.knative.dev/targetUtilizationPercentage}, {@code minScale}, ...), which Knative still
 * reads and manifests in its own docs still use. Skiff accepts them, stores them under today's
 * names (so every reader, limit and display sees one spelling) and says so in a warning.
 */
public final class LegacyAnnotations {
  private static final String P = ScalingSettings.PREFIX;

  /** Old spelling to today's. */
  public static final Map<String, String> RENAMED =
      Map.of(
          P + "minScale", ScalingSettings.MIN_SCALE,
          P + "maxScale", ScalingSettings.MAX_SCALE,
          P + "initialScale", ScalingSettings.INITIAL_SCALE,
          P + "targetUtilizationPercentage", ScalingSettings.TARGET_UTILIZATION,
          P + "targetBurstCapacity", ScalingSettings.TARGET_BURST_CAPACITY,
          P + "panicWindowPercentage", ScalingSettings.PANIC_WINDOW,
          P + "panicThresholdPercentage", ScalingSettings.PANIC_THRESHOLD);

  /**
   * A service with old spellings renamed, and one warning per renamed annotation.
   *
   * @param service the service as it will be stored
   * @param warnings what was renamed, for the client to show
   */
  public record Canonical(Service service, List<String> warnings) {}

  private LegacyAnnotations() {}

  /**
   * Renames old spellings on the service and its template. An annotation given under both names is
   * left as it is, for validation to refuse.
   */
  public static Canonical canonicalize(Service s) {
    List<String> warnings = new ArrayList<>();
    Service out = s;
    if (s.metadata() != null) {
      ObjectMeta m = s.metadata();
      Map<String, String> a = rename("metadata.annotations", m.annotations(), warnings);
      out =
          out.withMetadata(
              new ObjectMeta(
                  m.name(),
                  m.namespace(),
                  m.resourceVersion(),
                  m.generation(),
                  m.uid(),
                  m.createdAt(),
                  m.labels(),
                  a));
    }
    if (s.spec() != null && s.spec().template() != null) {
      RevisionTemplate t = s.spec().template();
      Map<String, String> a = rename("spec.template.annotations", t.annotations(), warnings);
      out = out.withSpec(new ServiceSpec(t.withAnnotations(a), s.spec().traffic()));
    }
    return new Canonical(warnings.isEmpty() ? s : out, List.copyOf(warnings));
  }

  /** {@code annotations} with old spellings renamed, unless both spellings are given. */
  public static Map<String, String> rename(Map<String, String> annotations) {
    return rename("", annotations, new ArrayList<>());
  }

  private static Map<String, String> rename(
      String path, Map<String, String> annotations, List<String> warnings) {
    Map<String, String> out = new LinkedHashMap<>();
    annotations.forEach(
        (k, v) -> {
          String now = RENAMED.get(k);
          if (now == null || annotations.containsKey(now)) {
            out.put(k, v);
          } else {
            out.put(now, v);
            warnings.add(
                path
                    + "["
                    + k
                    + "] is deprecated; stored as "
                    + now
                    + ", the name Knative uses today: write that in your manifests");
          }
        });
    return out;
  }

  /** Adds a problem for every annotation given under both its old and its new name. */
  public static void checkNotBoth(Problems p, String path, Map<String, String> annotations) {
    RENAMED.forEach(
        (old, now) -> {
          if (annotations.containsKey(old) && annotations.containsKey(now)) {
            p.add(
                path + "[" + old + "]",
                "is the old spelling of " + now + ", which is given too",
                "keep only " + now);
          }
        });
  }
}
