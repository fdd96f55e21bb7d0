package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where env comes from when an instance starts: exactly one of a {@link Secret} or a {@link
 * ConfigMap} of the service's namespace. With a {@code key}, one value (Kubernetes' {@code
 * valueFrom.secretKeyRef}/{@code configMapKeyRef}); without, every key as a variable, each name
 * prefixed by {@code prefix} (Kubernetes' {@code envFrom}).
 *
 * @param secret the secret's name
 * @param configMap the config map's name
 * @param key the key whose value is used; null for all keys
 * @param prefix put before each key's name (envFrom only)
 * @param optional true: a missing source or key gives no variable instead of failing the start
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvSource(
    String secret, String configMap, String key, String prefix, Boolean optional) {

  public static EnvSource secretKey(String secret, String key) {
    return new EnvSource(secret, null, key, null, null);
  }

  public static EnvSource configMapKey(String configMap, String key) {
    return new EnvSource(null, configMap, key, null, null);
  }

  @JsonIgnore
  public boolean isSecret() {
    return secret != null;
  }

  /** The secret's or config map's name. */
  @JsonIgnore
  public String sourceName() {
    return secret != null ? secret : configMap;
  }

  @JsonIgnore
  public boolean isOptional() {
    return Boolean.TRUE.equals(optional);
  }

  /** {@code secret db} or {@code configMap settings}, for messages. */
  @JsonIgnore
  public String describe() {
    return (secret != null ? "secret " : "config map ") + sourceName();
  }
}
