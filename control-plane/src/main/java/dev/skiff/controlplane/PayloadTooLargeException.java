package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/** The request body is larger than the route accepts. */
public class PayloadTooLargeException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public PayloadTooLargeException(long limit, String hint) {
    super(
        "the body is larger than the limit of " + limit + " bytes",
        hint,
        List.of(new FieldError("(body)", "is larger than the limit of " + limit + " bytes", hint)),
        null);
  }
}
