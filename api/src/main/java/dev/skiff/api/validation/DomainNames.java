package dev.skiff.api.validation;

import java.util.Locale;

/**
 * Host names a domain mapping or a certificate may carry: lower-case DNS names of at least two
 * labels (RFC 1123), at most 253 characters; a certificate may also name a wildcard {@code
 * *.example.com}.
 */
public final class DomainNames {
  public static final String HINT =
      "give a fully qualified host name in lower case, e.g. api.example.com (no scheme, port or"
          + " trailing dot)";

  private static final java.util.regex.Pattern LABEL =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private DomainNames() {}

  /** Adds a problem unless {@code name} is a host name (a wildcard only if {@code wildcard}). */
  public static void check(Problems p, String field, String name, boolean wildcard) {
    String problem = problem(name, wildcard);
    if (problem != null) {
      p.add(field, problem, wildcard ? HINT + ", or a wildcard *.example.com" : HINT);
    }
  }

  /** What is wrong with {@code name} as a host name, or null when nothing. */
  public static String problem(String name, boolean wildcard) {
    if (name == null || name.isEmpty()) {
      return "is required";
    }
    if (name.length() > 253) {
      return "must be at most 253 characters, got " + name.length();
    }
    if (!name.equals(name.toLowerCase(Locale.ROOT))) {
      return "'" + name + "' must be lower case";
    }
    String rest = name;
    if (rest.startsWith("*.")) {
      if (!wildcard) {
        return "'" + name + "' is a wildcard; map each host name on its own";
      }
      rest = rest.substring(2);
    }
    String[] labels = rest.split("\\.", -1);
    if (labels.length < 2) {
      return "'" + name + "' is not a fully qualified name (it needs a dot)";
    }
    for (String l : labels) {
      if (l.length() > 63 || !LABEL.matcher(l).matches()) {
        return "'" + name + "' has the label '" + l + "', which is not a DNS label";
      }
    }
    return null;
  }
}
