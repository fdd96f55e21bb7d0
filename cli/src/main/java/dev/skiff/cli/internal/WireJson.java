package dev.skiff.cli.internal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.validation.SkiffApiException;

/**
 * Writes request bodies: api's {@link Json} configuration, minus the derived boolean accessors that
 * Jackson would otherwise emit as properties ({@code TrafficTarget.isLatest()} as {@code "latest"},
 * {@code Condition.isTrue()} as {@code "true"}) and that the control plane's strict parser rejects
 * as unknown fields. Harmless once api marks those accessors {@code @JsonIgnore}.
 */
public final class WireJson {
  private static final ObjectMapper MAPPER =
      Json.mapper()
          .copy()
          .addMixIn(TrafficTarget.class, TrafficTargetMixin.class)
          .addMixIn(Condition.class, ConditionMixin.class);

  private WireJson() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SkiffApiException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  private abstract static class TrafficTargetMixin {
    @JsonIgnore
    abstract boolean isLatest();
  }

  private abstract static class ConditionMixin {
    @JsonIgnore
    abstract boolean isTrue();
  }
}
