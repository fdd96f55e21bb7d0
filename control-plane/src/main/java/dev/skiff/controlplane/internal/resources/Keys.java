package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import java.util.Map;
import java.util.Optional;

/**
 * Where each resource lives in the store: {@code /skiff/{plural}/{namespace}/{name}}, or {@code
 * /skiff/nodes/{name}} for cluster-scoped nodes.
 */
public final class Keys {
  /** Every resource key starts with this; watch it to see all resources. */
  public static final String ROOT = "/skiff/";

  public static final String SERVICES = ROOT + "services/";
  public static final String REVISIONS = ROOT + "revisions/";
  public static final String TRIGGERS = ROOT + "triggers/";
  public static final String NODES = ROOT + "nodes/";

  /** Domain mappings, cluster-wide by domain: {@code /skiff/domainmappings/{domain}}. */
  public static final String DOMAIN_MAPPINGS = ROOT + "domainmappings/";

  private static final Map<String, String> KINDS =
      Map.of(
          SERVICES,
          Service.KIND,
          REVISIONS,
          Revision.KIND,
          TRIGGERS,
          Trigger.KIND,
          NODES,
          Node.KIND,
          DOMAIN_MAPPINGS,
          DomainMapping.KIND);

  private Keys() {}

  public static String service(String ns, String name) {
    return SERVICES + ns + "/" + name;
  }

  public static String services(String ns) {
    return SERVICES + ns + "/";
  }

  public static String revision(String ns, String name) {
    return REVISIONS + ns + "/" + name;
  }

  public static String revisions(String ns) {
    return REVISIONS + ns + "/";
  }

  /**
   * Prefix of a service's revisions ({@code {service}-NNNNN}). It also matches revisions of
   * services whose names extend this one ({@code hello-world-00001} for {@code hello}): filter by
   * {@code spec.service}.
   */
  public static String revisionsOf(String ns, String service) {
    return REVISIONS + ns + "/" + service + "-";
  }

  public static String trigger(String ns, String name) {
    return TRIGGERS + ns + "/" + name;
  }

  public static String triggers(String ns) {
    return TRIGGERS + ns + "/";
  }

  public static String domainMapping(String domain) {
    return DOMAIN_MAPPINGS + domain;
  }

  public static String node(String name) {
    return NODES + name;
  }

  /** The kind stored under {@code key}, if it is a resource key. */
  public static Optional<String> kindOf(String key) {
    for (Map.Entry<String, String> e : KINDS.entrySet()) {
      if (key.startsWith(e.getKey())) {
        return Optional.of(e.getValue());
      }
    }
    return Optional.empty();
  }
}
