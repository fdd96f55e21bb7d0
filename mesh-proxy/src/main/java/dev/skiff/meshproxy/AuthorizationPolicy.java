package dev.skiff.meshproxy;

import dev.skiff.api.mesh.SpiffeId;
import java.util.ArrayList;
import java.util.List;

/**
 * Which identities may call a service. Each rule is a SPIFFE ID ({@code
 * spiffe://skiff.local/skiff/gateway}) or one whose last segment is {@code *}, matching any one
 * segment there ({@code spiffe://skiff.local/ns/shop/svc/*}); the rule {@code *} alone allows every
 * caller the listener let in: in STRICT mode every caller with a mesh certificate, in PERMISSIVE
 * mode callers without a certificate as well. A caller without a certificate matches no other rule.
 */
public final class AuthorizationPolicy {
  private static final String ANY = "*";

  private final List<String> rules;

  private AuthorizationPolicy(List<String> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * Skiff's default for a service in {@code namespace}: the gateway, the activator, eventing and
   * every workload of the same namespace.
   */
  public static AuthorizationPolicy defaultFor(String trustDomain, String namespace) {
    return of(
        List.of(
            SpiffeId.component(trustDomain, "gateway").uri(),
            SpiffeId.component(trustDomain, "activator").uri(),
            SpiffeId.component(trustDomain, "eventing").uri(),
            SpiffeId.workload(trustDomain, namespace, "x").uri().replaceFirst("/x$", "/*")));
  }

  /** A policy of these rules; fails naming the first rule that is not a SPIFFE ID pattern. */
  public static AuthorizationPolicy of(List<String> rules) {
    if (rules == null || rules.isEmpty()) {
      throw new IllegalArgumentException(
          "an authorization policy needs at least one rule, e.g. spiffe://skiff.local/skiff/gateway");
    }
    List<String> checked = new ArrayList<>();
    for (String rule : rules) {
      checked.add(check(rule));
    }
    return new AuthorizationPolicy(checked);
  }

  private static String check(String rule) {
    if (ANY.equals(rule)) {
      return rule;
    }
    try {
      SpiffeId.parse(rule.endsWith("/*") ? probe(rule) : rule);
      return rule;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "authorization rule '"
              + rule
              + "' is not a SPIFFE ID pattern: "
              + e.getMessage()
              + "; write spiffe://{trust-domain}/ns/{namespace}/svc/{service}, a last segment *"
              + " or * alone",
          e);
    }
  }

  /**
   * A rule ending in {@code *} with a name in place of the star, so the rest is checked as an
   * identity: a component for {@code /skiff/*}, else a workload's service.
   */
  private static String probe(String rule) {
    String prefix = rule.substring(0, rule.length() - 1);
    return prefix + (prefix.endsWith("/skiff/") ? "gateway" : "x");
  }

  /** Whether {@code caller} may call; null is a caller without a certificate. */
  public boolean allows(SpiffeId caller) {
    String uri = caller == null ? null : caller.uri();
    for (String rule : rules) {
      if (ANY.equals(rule) || (uri != null && matches(rule, uri))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(String rule, String uri) {
    if (rule.endsWith("/*")) {
      String prefix = rule.substring(0, rule.length() - 1);
      return uri.startsWith(prefix)
          && uri.length() > prefix.length()
          && uri.indexOf('/', prefix.length()) < 0;
    }
    return rule.equals(uri);
  }

  public List<String> rules() {
    return rules;
  }

  @Override
  public String toString() {
    return rules.toString();
  }
}
