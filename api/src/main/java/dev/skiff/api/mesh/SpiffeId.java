package dev.skiff.api.mesh;

import dev.skiff.api.validation.Names;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID as Skiff uses them: {@code spiffe://{trust-domain}/ns/{namespace}/svc/{service}} for
 * a workload, {@code spiffe://{trust-domain}/skiff/{component}} for one of Skiff's own components,
 * {@code spiffe://{trust-domain}/skiff/node/{name}} for a node agent.
 *
 * @param trustDomain lower-case letters, digits, dots, dashes and underscores (SPIFFE's rule)
 * @param path the path after the trust domain, starting with {@code /}
 */
public record SpiffeId(String trustDomain, String path) {
  /** The components that get platform identities. */
  public static final Set<String> COMPONENTS = Set.of("gateway", "activator", "eventing");

  /**
   * The control plane's identity on its node port. Not among {@link #COMPONENTS}: {@link
   * #component} refuses it, so no API caller can ask the CA for it; only the control plane issues
   * it to itself.
   */
  public static final String CONTROL_PLANE = "control-plane";

  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
  private static final Pattern WORKLOAD = Pattern.compile("/ns/([^/]+)/svc/([^/]+)");
  private static final Pattern COMPONENT = Pattern.compile("/skiff/([^/]+)");
  private static final Pattern NODE = Pattern.compile("/skiff/node/([^/]+)");

  /** Checks every part: a valid trust domain, DNS-label names, a known component. */
  public SpiffeId {
    checkTrustDomain(trustDomain);
    var workload = path == null ? null : WORKLOAD.matcher(path);
    var component = path == null ? null : COMPONENT.matcher(path);
    var node = path == null ? null : NODE.matcher(path);
    if (workload != null && workload.matches()) {
      checkLabel("namespace", workload.group(1));
      checkLabel("service", workload.group(2));
    } else if (node != null && node.matches()) {
      checkLabel("node name", node.group(1));
    } else if (component != null && component.matches()) {
      if (!CONTROL_PLANE.equals(component.group(1))) {
        checkComponent(component.group(1));
      }
    } else {
      throw new IllegalArgumentException(
          "'"
              + path
              + "' is not a Skiff identity path: /ns/{namespace}/svc/{service},"
              + " /skiff/{component} or /skiff/node/{name}");
    }
  }

  /** The identity of service {@code service} in namespace {@code namespace}. */
  public static SpiffeId workload(String trustDomain, String namespace, String service) {
    checkLabel("namespace", namespace);
    checkLabel("service", service);
    return new SpiffeId(trustDomain, "/ns/" + namespace + "/svc/" + service);
  }

  /** The identity of one of {@link #COMPONENTS}. */
  public static SpiffeId component(String trustDomain, String component) {
    checkComponent(component);
    return new SpiffeId(trustDomain, "/skiff/" + component);
  }

  /** The identity of node agent {@code name}. */
  public static SpiffeId node(String trustDomain, String name) {
    checkLabel("node name", name);
    return new SpiffeId(trustDomain, "/skiff/node/" + name);
  }

  /** The control plane's identity on its node port. */
  public static SpiffeId controlPlane(String trustDomain) {
    return new SpiffeId(trustDomain, "/skiff/" + CONTROL_PLANE);
  }

  /** The node's name, or null when this is not a node identity. */
  public String nodeName() {
    var m = NODE.matcher(path);
    return m.matches() ? m.group(1) : null;
  }

  private static void checkComponent(String component) {
    if (component == null || !COMPONENTS.contains(component)) {
      throw new IllegalArgumentException(
          "'" + component + "' is not a Skiff component; use gateway, activator or eventing");
    }
  }

  /** Parses {@code spiffe://td/path}; throws {@link IllegalArgumentException} when malformed. */
  public static SpiffeId parse(String uri) {
    if (uri == null || !uri.startsWith("spiffe://")) {
      throw new IllegalArgumentException("'" + uri + "' is not a spiffe:// URI");
    }
    String rest = uri.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + uri + "' has no path after the trust domain");
    }
    return new SpiffeId(rest.substring(0, slash), rest.substring(slash));
  }

  /** Throws {@link IllegalArgumentException} unless {@code td} is a valid trust domain. */
  public static void checkTrustDomain(String td) {
    if (td == null || !TRUST_DOMAIN.matcher(td).matches()) {
      throw new IllegalArgumentException(
          "'"
              + td
              + "' is not a trust domain: use lower-case letters, digits, '.', '-' and '_'"
              + " (e.g. skiff.local)");
    }
  }

  private static void checkLabel(String what, String value) {
    if (!Names.isDnsLabel(value)) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a valid " + what + "; " + Names.DNS_HINT);
    }
  }

  /** Whether this names a workload (else a component). */
  public boolean isWorkload() {
    return WORKLOAD.matcher(path).matches();
  }

  /** The workload's namespace, or null for a component. */
  public String namespace() {
    var m = WORKLOAD.matcher(path);
    return m.matches() ? m.group(1) : null;
  }

  /** The workload's service, or null for a component. */
  public String service() {
    var m = WORKLOAD.matcher(path);
    return m.matches() ? m.group(2) : null;
  }

  /** The component's name, or null for a workload. */
  public String component() {
    var m = COMPONENT.matcher(path);
    return m.matches() ? m.group(1) : null;
  }

  /** The URI, {@code spiffe://td/path}. */
  public String uri() {
    return "spiffe://" + trustDomain + path;
  }

  @Override
  public String toString() {
    return uri();
  }
}
