package dev.skiff.controlplane;

/**
 * A store write named an expected mod revision that no longer matches the key (optimistic
 * concurrency): someone else wrote it first. Read again and retry.
 */
public class StaleRevisionException extends ConflictException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final long expected;
  private final long actual;

  /**
   * @param key the key written
   * @param expected the mod revision the writer expected ({@code 0} = absent)
   * @param actual the key's mod revision now ({@code 0} = absent)
   */
  public StaleRevisionException(String key, long expected, long actual) {
    super(
        key + " is at revision " + actual + ", not " + expected,
        "read the resource again and send the change with its current resourceVersion");
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }

  public String key() {
    return key;
  }

  public long expected() {
    return expected;
  }

  public long actual() {
    return actual;
  }
}
