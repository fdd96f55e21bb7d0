package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** An event source bound to a service: records of a Kafka topic become CloudEvents. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Trigger(
    String apiVersion, String kind, ObjectMeta metadata, TriggerSpec spec, TriggerStatus status)
    implements Resource {

  public static final String KIND = "Trigger";

  public Trigger {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  public static Trigger of(ObjectMeta metadata, TriggerSpec spec) {
    return new Trigger(Service.API_VERSION, KIND, metadata, spec, null);
  }

  @Override
  public Trigger withMetadata(ObjectMeta newMetadata) {
    return new Trigger(apiVersion, kind, newMetadata, spec, status);
  }

  public Trigger withStatus(TriggerStatus newStatus) {
    return new Trigger(apiVersion, kind, metadata, spec, newStatus);
  }
}
