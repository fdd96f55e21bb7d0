package dev.skiff.meshproxy;

/** The caller's identity is not allowed by the service's policy (403). */
public final class AccessDeniedException extends MeshException {
  private static final long serialVersionUID = 1L;
  private final String caller;
  private final String rule;

  /**
   * @param caller the caller's SPIFFE ID, or null for a caller without a certificate
   * @param rule the policy the caller did not match, as the operator wrote it
   */
  public AccessDeniedException(String caller, String rule) {
    super(
        (caller == null ? "a caller without a client certificate" : "caller " + caller)
            + " is not allowed by this service's policy "
            + rule);
    this.caller = caller;
    this.rule = rule;
  }

  /** The caller's SPIFFE ID; null when it sent no certificate. */
  public String caller() {
    return caller;
  }

  public String rule() {
    return rule;
  }
}
