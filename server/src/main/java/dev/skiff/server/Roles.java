package dev.skiff.server;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one skiffd runs ({@code --roles}): {@code all}, or a comma-separated list of the components.
 * What runs today: {@code all}; a control plane ({@code
 * control-plane,gateway,activator,autoscaler}, with or without {@code eventing} and {@code node});
 * {@code node} (a node agent); {@code gateway,activator} (an edge); {@code eventing} (a dispatcher,
 * {@link EventingRole}). The other subsets are known so that a list naming them fails with "not
 * built yet" rather than "unknown".
 */
record Roles(Set<String> names) {
  static final List<String> KNOWN =
      List.of("control-plane", "gateway", "activator", "autoscaler", "eventing", "node");

  /** What a control plane always runs together; eventing and node are optional beside them. */
  private static final Set<String> CONTROL_PLANE =
      Set.of("control-plane", "gateway", "activator", "autoscaler");

  /** Parses {@code --roles}; throws {@link IllegalArgumentException} saying what to write. */
  static Roles parse(String flag) {
    if (flag == null || flag.isBlank()) {
      throw new IllegalArgumentException(
          "--roles is empty; write all, or node (a node agent), e.g. --roles node");
    }
    Set<String> names = new LinkedHashSet<>();
    for (String part : flag.split(",", -1)) {
      String r = part.strip().toLowerCase(Locale.ROOT);
      if (r.equals("all")) {
        names.addAll(KNOWN);
      } else if (KNOWN.contains(r)) {
        names.add(r);
      } else {
        throw new IllegalArgumentException(
            "--roles: '"
                + part.strip()
                + "' is not a role; use all, or some of "
                + String.join(", ", KNOWN));
      }
    }
    Roles roles = new Roles(Set.copyOf(names));
    if (names.equals(Set.of("gateway")) || names.equals(Set.of("activator"))) {
      throw new IllegalArgumentException(
          "--roles "
              + flag
              + ": the gateway and the activator run together in an edge process (the gateway"
              + " hands requests for revisions at zero to its activator in process); write"
              + " --roles gateway,activator");
    }
    if (!roles.controlPlane() && !roles.nodeOnly() && !roles.edge() && !roles.eventingOnly()) {
      throw new IllegalArgumentException(
          "--roles "
              + flag
              + ": running "
              + String.join(",", names)
              + " apart is not built yet; run all (every component in one JVM), node (a node"
              + " agent joining a control plane), gateway,activator (an edge serving requests apart"
              + " from the control plane), eventing (a dispatcher apart from the control plane),"
              + " or control-plane,gateway,activator,autoscaler with eventing, node or both (a"
              + " control plane; without node its instances run on remote nodes only)");
    }
    return roles;
  }

  /** Every component, in one JVM. */
  boolean all() {
    return names.containsAll(KNOWN);
  }

  /** A control plane: its API, gateway, activator and autoscaler, maybe eventing and a node. */
  boolean controlPlane() {
    return names.containsAll(CONTROL_PLANE);
  }

  /**
   * A control plane without a local node (eventing or not): instances run on remote nodes only
   * ({@code --node-port}).
   */
  boolean allButNode() {
    return controlPlane() && !names.contains("node");
  }

  /** Whether this process runs an eventing dispatcher (in a control plane or apart). */
  boolean eventing() {
    return names.contains("eventing");
  }

  /** Only an eventing dispatcher, apart from the control plane ({@link EventingRole}). */
  boolean eventingOnly() {
    return names.equals(Set.of("eventing"));
  }

  /** An edge: the gateway and the activator, apart from the control plane ({@link EdgeRole}). */
  boolean edge() {
    return names.equals(Set.of("gateway", "activator"));
  }

  /** Only a node agent, joining a control plane elsewhere. */
  boolean nodeOnly() {
    return names.equals(Set.of("node"));
  }
}
