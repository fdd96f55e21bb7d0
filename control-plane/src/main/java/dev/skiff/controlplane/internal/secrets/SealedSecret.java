package dev.skiff.controlplane.internal.secrets;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import java.util.Map;
import java.util.TreeMap;

/**
 * A secret as the store keeps it: per key, the value's size and the value sealed by {@link
 * SecretCipher}. Never sent to clients.
 *
 * @param values key to its sealed value
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SealedSecret(
    String apiVersion, String kind, ObjectMeta metadata, String type, Map<String, Value> values)
    implements Resource {

  public static final String KIND = "SealedSecret";

  /**
   * @param size the plaintext's length in bytes
   * @param sealed base64 of nonce, ciphertext and tag
   */
  public record Value(int size, String sealed) {}

  public SealedSecret {
    apiVersion = apiVersion == null ? "skiff.dev/v1" : apiVersion;
    kind = kind == null ? KIND : kind;
    values = values == null ? Map.of() : new TreeMap<>(values);
  }

  @Override
  public SealedSecret withMetadata(ObjectMeta newMetadata) {
    return new SealedSecret(apiVersion, kind, newMetadata, type, values);
  }

  /** The place a value is sealed for: its namespace, secret and key. */
  public static String place(String ns, String secret, String key) {
    return ns + "/" + secret + "/" + key;
  }
}
