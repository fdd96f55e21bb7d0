package dev.skiff.cli.internal;

import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.Service;

/**
 * The {@code Authorization} part of {@code describe}: the mode, and every caller the service's
 * sidecars let in: Skiff's gateway, activator and eventing, then the namespace default or the allow
 * list.
 */
public final class AuthorizationView {
  /** Stands in for the trust domain when the token may not read the mesh's status. */
  public static final String UNKNOWN_TRUST_DOMAIN = "{trust-domain}";

  private AuthorizationView() {}

  /**
   * @param trustDomain the mesh's trust domain, or {@link #UNKNOWN_TRUST_DOMAIN}
   */
  public static String render(Service s, String trustDomain) {
    Authorization a = s.spec() == null ? null : s.spec().authorization();
    String mode = a == null ? Authorization.STRICT : a.modeOrDefault();
    StringBuilder b = new StringBuilder("\nAuthorization:\n");
    b.append(
        String.format(
            "  %-16s%s%n",
            "Mode:",
            TerminalText.line(mode)
                + (Authorization.PERMISSIVE.equals(mode)
                    ? " (mTLS, and plaintext from callers without an identity)"
                    : Authorization.STRICT.equals(mode)
                        ? " (mTLS from mesh identities only)"
                        : "")));
    Table t = new Table("CALLER", "WHY");
    String base = "spiffe://" + trustDomain;
    t.row(base + "/skiff/gateway", "Skiff's gateway (always)");
    t.row(base + "/skiff/activator", "Skiff's activator (always)");
    t.row(base + "/skiff/eventing", "Skiff's eventing (always)");
    if (a == null || a.allow().isEmpty()) {
      String ns = s.metadata().namespaceOrDefault();
      t.row(base + "/ns/" + ns + "/svc/*", "default: every workload of namespace " + ns);
    } else {
      for (String entry : a.allow()) {
        t.row(entry, "*".equals(entry) ? "allowed: every caller" : "allowed");
      }
    }
    t.render().lines().forEach(l -> b.append("  ").append(l).append('\n'));
    return b.toString();
  }
}
