package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named configuration values of a namespace, given to functions as env ({@code configMapKeyRef},
 * {@code envFrom}); Kubernetes' {@code v1 ConfigMap}. Not secret: stored and shown as given.
 *
 * @param data key to value
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "data"})
public record ConfigMap(
    String apiVersion, String kind, ObjectMeta metadata, Map<String, String> data)
    implements Resource {

  public static final String KIND = "ConfigMap";

  public ConfigMap {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
    data = data == null ? Map.of() : new TreeMap<>(data);
  }

  @Override
  public ConfigMap withMetadata(ObjectMeta newMetadata) {
    return new ConfigMap(apiVersion, kind, newMetadata, data);
  }
}
