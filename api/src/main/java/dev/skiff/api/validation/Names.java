package dev.skiff.api.validation;

import java.util.regex.Pattern;

/** Name rules shared by every resource: DNS-1035 labels, as Kubernetes and Knative use. */
public final class Names {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

  /**
   * Service names leave room for the {@code -00001} revision suffix inside a 63-character label.
   */
  public static final int MAX_SERVICE_NAME = 57;

  public static final String DNS_HINT =
      "use lower-case letters, digits and '-', starting with a letter and ending with a letter or"
          + " digit, e.g. 'hello-world'";

  private Names() {}

  public static boolean isDnsLabel(String s) {
    return s != null && s.length() <= 63 && DNS_LABEL.matcher(s).matches();
  }

  /** Adds a problem unless {@code value} is a DNS label of at most {@code max} characters. */
  public static void checkLabel(Problems p, String field, String value, int max) {
    if (value == null || value.isEmpty()) {
      p.add(field, "is required", DNS_HINT);
    } else if (value.length() > max) {
      p.add(field, "must be at most " + max + " characters, got " + value.length(), DNS_HINT);
    } else if (!isDnsLabel(value)) {
      p.add(field, "'" + value + "' is not a DNS label", DNS_HINT);
    }
  }
}
