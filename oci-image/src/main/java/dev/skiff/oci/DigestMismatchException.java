package dev.skiff.oci;

/**
 * Content did not hash to the digest that names it: a corrupted or tampered blob or manifest, or a
 * layer whose uncompressed content is not the config's diff id. Nothing of it was kept.
 */
public class DigestMismatchException extends ImagePullException {
  private static final long serialVersionUID = 1L;
  private final String expected;
  private final String actual;

  public DigestMismatchException(String what, String expected, String actual) {
    super(
        what
            + ": expected digest "
            + expected
            + ", got "
            + actual
            + " (the registry served corrupted or tampered content; the download was discarded)");
    this.expected = expected;
    this.actual = actual;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
