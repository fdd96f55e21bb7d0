package dev.skiff.api.validation;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.Authorization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules for a service's {@link Authorization}: each {@code allow} entry is a SPIFFE ID of a
 * workload or a Skiff component, one whose last segment is {@code *}, or {@code *} alone (the same
 * patterns the sidecar's policy matches); {@code mode} is STRICT or PERMISSIVE. Also the two
 * annotations a Knative Service carries them in.
 */
public final class AuthorizationRules {
  /** The most {@code allow} entries a service may list. */
  public static final int MAX_ENTRIES = 64;

  /** The longest {@code allow} entry, in characters. */
  public static final int MAX_ENTRY_LENGTH = 2048;

  /** A Knative Service's allow list, comma-separated, on its metadata. */
  public static final String ALLOW_ANNOTATION = "skiff.dev/allow";

  /** A Knative Service's mode, {@code strict} or {@code permissive}, on its metadata. */
  public static final String MODE_ANNOTATION = "skiff.dev/mesh-mode";

  static final String ENTRY_HINT =
      "write spiffe://{trust-domain}/ns/{namespace}/svc/{service} or"
          + " spiffe://{trust-domain}/skiff/{gateway|activator|eventing}, with names that are DNS"
          + " labels; a last segment * matches any one name there"
          + " (spiffe://skiff.local/ns/shop/svc/*); * alone allows every caller";

  private static final String ANY = "*";

  private AuthorizationRules() {}

  /** Checks {@code a} (null is the default and always valid), reporting under {@code path}. */
  public static void check(Problems p, String path, Authorization a) {
    if (a == null) {
      return;
    }
    checkAllow(p, path + ".allow", a.allow());
    if (a.mode() != null
        && !a.mode().equals(Authorization.STRICT)
        && !a.mode().equals(Authorization.PERMISSIVE)) {
      p.add(
          path + ".mode",
          "must be STRICT or PERMISSIVE, got '" + clip(a.mode()) + "'",
          "STRICT (the default) accepts mTLS from mesh identities only; PERMISSIVE accepts"
              + " plaintext too, for migrations; write it in upper case");
    }
  }

  /** Checks an allow list: its size, then every entry as {@code path[i]}. */
  public static void checkAllow(Problems p, String path, List<String> allow) {
    if (allow.size() > MAX_ENTRIES) {
      p.add(
          path,
          "has " + allow.size() + " entries; at most " + MAX_ENTRIES,
          "allow a whole namespace with one entry, e.g. spiffe://skiff.local/ns/shop/svc/*");
      return;
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < allow.size(); i++) {
      String at = path + "[" + i + "]";
      String entry = allow.get(i);
      if (checkEntry(p, at, entry)) {
        Integer first = seen.putIfAbsent(entry, i);
        if (first != null) {
          p.add(at, "repeats " + path + "[" + first + "]", "list each caller once");
        }
      }
    }
  }

  /** Checks one allow entry; true when it is valid. */
  static boolean checkEntry(Problems p, String at, String entry) {
    if (entry == null || entry.isEmpty()) {
      p.add(at, "is empty", ENTRY_HINT);
      return false;
    }
    if (entry.length() > MAX_ENTRY_LENGTH) {
      p.add(
          at, "is " + entry.length() + " characters long; at most " + MAX_ENTRY_LENGTH, ENTRY_HINT);
      return false;
    }
    if (entry.equals(ANY)) {
      return true;
    }
    if (!entry.startsWith("spiffe://")) {
      p.add(at, "'" + clip(entry) + "' is not a SPIFFE ID", ENTRY_HINT);
      return false;
    }
    try {
      SpiffeId.parse(entry.endsWith("/*") ? probe(entry) : entry);
      return true;
    } catch (IllegalArgumentException e) {
      p.add(
          at,
          "'" + clip(entry) + "' is not a SPIFFE ID pattern Skiff matches: " + e.getMessage(),
          ENTRY_HINT);
      return false;
    }
  }

  /**
   * The entry with a name in place of its last-segment star, so the rest is checked as an identity:
   * a component for {@code /skiff/*}, else a workload's service.
   */
  private static String probe(String entry) {
    String prefix = entry.substring(0, entry.length() - 1);
    return prefix + (prefix.endsWith("/skiff/") ? "gateway" : "x");
  }

  /** A value echoed in a message, cut short so a hostile one cannot flood the answer. */
  private static String clip(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }
}
