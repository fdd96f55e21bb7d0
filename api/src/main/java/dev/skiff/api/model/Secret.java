package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named sensitive values of a namespace, given to functions as env ({@code secretKeyRef}, {@code
 * envFrom}). Written with values ({@code data} base64 or {@code stringData} text, as Kubernetes'
 * {@code v1 Secret}); read back without them: the control plane answers only the keys and their
 * sizes in bytes ({@code sizes}), and stores the values encrypted.
 *
 * @param type Kubernetes' secret type, kept as given ({@code Opaque} by default)
 * @param data values in base64, on write only
 * @param stringData values as text, on write only; a key in both takes this one
 * @param sizes key to value size in bytes, on read only
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "type", "data", "stringData", "sizes"})
public record Secret(
    String apiVersion,
    String kind,
    ObjectMeta metadata,
    String type,
    Map<String, String> data,
    Map<String, String> stringData,
    Map<String, Integer> sizes)
    implements Resource {

  public static final String KIND = "Secret";
  public static final String DEFAULT_TYPE = "Opaque";

  public Secret {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
    data = data == null ? Map.of() : Map.copyOf(data);
    stringData = stringData == null ? Map.of() : Map.copyOf(stringData);
    sizes = sizes == null ? Map.of() : new TreeMap<>(sizes);
  }

  /** What the control plane answers: keys and sizes, never values. */
  public static Secret described(ObjectMeta metadata, String type, Map<String, Integer> sizes) {
    return new Secret(Service.API_VERSION, KIND, metadata, type, null, null, sizes);
  }

  @Override
  public Secret withMetadata(ObjectMeta newMetadata) {
    return new Secret(apiVersion, kind, newMetadata, type, data, stringData, sizes);
  }

  /** Never the values: a secret may end up in a log line or an exception message. */
  @Override
  public String toString() {
    return "Secret[" + (metadata == null ? "?" : metadata.name()) + ", keys " + keys() + "]";
  }

  /** The keys given or stored, sorted. */
  public java.util.Set<String> keys() {
    java.util.Set<String> keys = new java.util.TreeSet<>(data.keySet());
    keys.addAll(stringData.keySet());
    keys.addAll(sizes.keySet());
    return keys;
  }
}
