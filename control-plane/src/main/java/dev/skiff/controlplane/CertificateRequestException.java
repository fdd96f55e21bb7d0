package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/**
 * A request for a mesh certificate the CA will not sign: not a P-256 key, a CSR asking for another
 * identity, a lifetime out of bounds, no identity. Answered with 422 like other rule breaks.
 */
public class CertificateRequestException extends InvalidResourceException {
  private static final long serialVersionUID = 1L;

  public CertificateRequestException(String field, String message, String hint) {
    super(
        "invalid certificate request: " + field + ": " + message,
        hint,
        List.of(new FieldError(field, message, hint)));
  }
}
