package dev.skiff.controlplane.internal.secrets;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import java.time.Instant;

/**
 * A certificate as the store keeps it: chain and key each sealed by {@link SecretCipher} for the
 * certificate's name. Never sent to clients; {@code notAfter} and {@code source} are in clear for
 * listings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SealedCertificate(
    String apiVersion,
    String kind,
    ObjectMeta metadata,
    String source,
    Instant notAfter,
    String sealedChain,
    String sealedKey)
    implements Resource {

  public static final String KIND = "SealedCertificate";

  public SealedCertificate {
    apiVersion = apiVersion == null ? "skiff.dev/v1" : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  @Override
  public SealedCertificate withMetadata(ObjectMeta newMetadata) {
    return new SealedCertificate(
        apiVersion, kind, newMetadata, source, notAfter, sealedChain, sealedKey);
  }

  /** Where the chain of certificate {@code name} is sealed. */
  public static String chainPlace(String name) {
    return "certificates/" + name + "/chain";
  }

  /** Where the key of certificate {@code name} is sealed. */
  public static String keyPlace(String name) {
    return "certificates/" + name + "/key";
  }
}
