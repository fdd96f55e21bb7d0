package dev.skiff.controlplane.internal.auth;

import java.util.Locale;

/** What a token may do. */
public enum Role {
  /** Everything except writing status subresources; only admins manage tokens. */
  ADMIN("admin"),
  /** Every GET, no write. */
  READ_ONLY("read-only"),
  /** Read and write inside one namespace (and upload modules); nothing cluster-wide. */
  NAMESPACE("namespace"),
  /**
   * A node agent's bootstrap token, for a node on another machine: reads, and mesh certificates for
   * workloads and components ({@code POST /v1/mesh/certificates}).
   */
  NODE("node"),
  /** Skiff's own components (the node agent): reads and status writes; never on disk. */
  SYSTEM("system");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  /** The name in the API and the CLI. */
  public String wire() {
    return wire;
  }

  /** The role named {@code s} among those a token created through the API may have, or null. */
  public static Role grantable(String s) {
    if (s == null) {
      return null;
    }
    for (Role r : values()) {
      if (r != SYSTEM && r.wire.equals(s.toLowerCase(Locale.ROOT))) {
        return r;
      }
    }
    return null;
  }
}
