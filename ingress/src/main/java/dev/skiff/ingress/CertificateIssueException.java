package dev.skiff.ingress;

/**
 * The ACME server did not issue a certificate; the message is its reason (the problem document's
 * detail when it sent one), as shown in the domain's status.
 */
public class CertificateIssueException extends IngressException {
  private static final long serialVersionUID = 1L;

  public CertificateIssueException(String message, Throwable cause) {
    super(message, cause);
  }
}
