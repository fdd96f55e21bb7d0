package dev.skiff.routing;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.model.TrafficTarget;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable map from every full host name to its route, built in one go from the services known
 * at one moment. Requests read whichever table is current; a change builds a new table.
 */
public final class RouteTable {
  private static final System.Logger LOG = System.getLogger(RouteTable.class.getName());

  private final String domain;
  private final Map<String, Route> byHost;

  /** Service name to the namespaces that have a service of that name, for 404 hints. */
  private final Map<String, Set<String>> namespacesByService;

  /** "namespace/service" to the service's tags, for 404 hints. */
  private final Map<String, Set<String>> tagsByService;

  private RouteTable(
      String domain,
      Map<String, Route> byHost,
      Map<String, Set<String>> namespacesByService,
      Map<String, Set<String>> tagsByService) {
    this.domain = domain;
    this.byHost = byHost;
    this.namespacesByService = namespacesByService;
    this.tagsByService = tagsByService;
  }

  public static RouteTable empty(String domain) {
    return new RouteTable(domain, Map.of(), Map.of(), Map.of());
  }

  /**
   * Builds the table. Tag hosts are laid down first and service hosts over them, so when a
   * service's host and another service's tag host coincide, the service wins. Between two tag hosts
   * the service that sorts first (namespace, then name) wins.
   */
  public static RouteTable build(
      Collection<Service> services, String domain, Duration defaultTimeout) {
    List<Service> sorted =
        services.stream()
            .sorted(
                Comparator.comparing((Service s) -> s.metadata().namespaceOrDefault())
                    .thenComparing(s -> s.metadata().name()))
            .toList();
    Map<String, Route> byHost = new HashMap<>();
    Map<String, Set<String>> namespaces = new HashMap<>();
    Map<String, Set<String>> tags = new HashMap<>();
    for (Service s : sorted) {
      String ns = s.metadata().namespaceOrDefault();
      String name = s.metadata().name();
      Duration timeout = timeoutOf(s, defaultTimeout);
      namespaces.computeIfAbsent(name, k -> new TreeSet<>()).add(ns);
      Set<String> serviceTags = tags.computeIfAbsent(ns + "/" + name, k -> new TreeSet<>());
      for (TrafficTarget t : traffic(s)) {
        if (t.tag() == null || t.revisionName() == null) {
          continue;
        }
        serviceTags.add(t.tag());
        String host = hostOf(t.tag() + "-" + name, ns, domain);
        Route route = new Route(ns, name, t.tag(), TrafficSplit.single(t.revisionName()), timeout);
        Route earlier = byHost.putIfAbsent(host, route);
        if (earlier != null) {
          LOG.log(
              Level.WARNING,
              "tag host {0} of {1}/{2} collides with {3}/{4}; the latter keeps it",
              host,
              ns,
              name,
              earlier.namespace(),
              earlier.service());
        }
      }
    }
    for (Service s : sorted) {
      String ns = s.metadata().namespaceOrDefault();
      String name = s.metadata().name();
      String host = hostOf(name, ns, domain);
      Route shadowed =
          byHost.put(host, new Route(ns, name, null, splitOf(s), timeoutOf(s, defaultTimeout)));
      if (shadowed != null) {
        LOG.log(
            Level.WARNING,
            "service {0}/{1} takes host {2} from tag {3} of {4}/{5}",
            ns,
            name,
            host,
            shadowed.tag(),
            shadowed.namespace(),
            shadowed.service());
      }
    }
    return new RouteTable(domain, Map.copyOf(byHost), freeze(namespaces), freeze(tags));
  }

  public static String hostOf(String label, String namespace, String domain) {
    return label + "." + namespace + "." + domain;
  }

  /** The route of a normalized host name (lower case, no port, no trailing dot), or null. */
  public Route lookup(String host) {
    return host == null ? null : byHost.get(host);
  }

  /** Whether some service lives in {@code namespace}; scans, so for misses only. */
  public boolean hasNamespace(String namespace) {
    for (Set<String> namespaces : namespacesByService.values()) {
      if (namespaces.contains(namespace)) {
        return true;
      }
    }
    return false;
  }

  public int size() {
    return byHost.size();
  }

  /**
   * Why {@code host} (normalized, possibly null) has no route, and how to reach a service instead.
   */
  public RouteMiss explainMiss(String host) {
    String forms =
        "hosts are {service}.{namespace}."
            + domain
            + " (the service's traffic split) and"
            + " {tag}-{service}.{namespace}."
            + domain
            + " (one tagged revision)";
    if (host == null || host.isEmpty()) {
      return new RouteMiss(
          "the request has no Host header",
          "send one, e.g. curl -H 'Host: hello.default." + domain + "' ...; " + forms);
    }
    String suffix = "." + domain;
    if (!host.endsWith(suffix)) {
      return new RouteMiss(
          "host '" + host + "' is not under the gateway's domain '" + domain + "'",
          forms + "; e.g. curl -H 'Host: hello.default." + domain + "' http://<gateway>/");
    }
    String[] labels = host.substring(0, host.length() - suffix.length()).split("\\.", -1);
    if (labels.length != 2) {
      return new RouteMiss("host '" + host + "' does not name a service", forms);
    }
    String name = labels[0];
    String ns = labels[1];
    Set<String> elsewhere = new TreeSet<>(namespacesByService.getOrDefault(name, Set.of()));
    elsewhere.remove(ns);
    if (!elsewhere.isEmpty()) {
      String example = hostOf(name, elsewhere.iterator().next(), domain);
      return new RouteMiss(
          "no service '" + name + "' in namespace '" + ns + "'",
          "a service '" + name + "' exists in namespace(s) " + elsewhere + ": use " + example);
    }
    String tagHint = tagHint(name, ns);
    return new RouteMiss(
        "no service '" + name + "' in namespace '" + ns + "'",
        tagHint != null ? tagHint : forms + "; check the name with the skiff CLI's service list");
  }

  /**
   * When {@code label} reads as {tag}-{service} of an existing service, names that service's tags.
   */
  private String tagHint(String label, String ns) {
    Map<String, Set<String>> candidates = new LinkedHashMap<>();
    for (int dash = label.indexOf('-'); dash > 0; dash = label.indexOf('-', dash + 1)) {
      String service = label.substring(dash + 1);
      Set<String> serviceTags = tagsByService.get(ns + "/" + service);
      if (serviceTags != null) {
        candidates.put(service, serviceTags);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    Map.Entry<String, Set<String>> c = candidates.entrySet().iterator().next();
    String tag = label.substring(0, label.length() - c.getKey().length() - 1);
    return "service '"
        + c.getKey()
        + "' in namespace '"
        + ns
        + "' has no tag '"
        + tag
        + "'; its tags"
        + " are "
        + new TreeSet<>(c.getValue())
        + " (set them in spec.traffic[].tag)";
  }

  /**
   * Whether two versions of a service give the same routes: all that {@link #build} reads of a
   * service is its name, its resolved traffic, its tag header annotation and its timeout.
   */
  static boolean sameRoutes(Service a, Service b) {
    return a.metadata().namespaceOrDefault().equals(b.metadata().namespaceOrDefault())
        && a.metadata().name().equals(b.metadata().name())
        && traffic(a).equals(traffic(b))
        && tagHeaderRouting(a) == tagHeaderRouting(b)
        && Objects.equals(timeoutSeconds(a), timeoutSeconds(b));
  }

  /** The resolved traffic of a service: status.traffic, else all of it to the newest revision. */
  private static List<TrafficTarget> traffic(Service s) {
    ServiceStatus st = s.status();
    if (st == null) {
      return List.of();
    }
    if (!st.traffic().isEmpty()) {
      return st.traffic();
    }
    String latest =
        st.latestReadyRevisionName() != null
            ? st.latestReadyRevisionName()
            : st.latestCreatedRevisionName();
    return latest == null ? List.of() : List.of(TrafficTarget.revision(latest, 100));
  }

  private static TrafficSplit splitOf(Service s) {
    Map<String, Integer> weights = new LinkedHashMap<>();
    Map<String, String> tags = new HashMap<>();
    for (TrafficTarget t : traffic(s)) {
      if (t.revisionName() != null) {
        weights.merge(t.revisionName(), t.percentOrZero(), Integer::sum);
        if (t.tag() != null) {
          tags.putIfAbsent(t.tag(), t.revisionName());
        }
      }
    }
    TrafficSplit split = TrafficSplit.of(weights);
    return tagHeaderRouting(s) && !tags.isEmpty() ? split.withTags(tags) : split;
  }

  private static boolean tagHeaderRouting(Service s) {
    return TrafficPolicy.of(s.metadata().annotations()).tagHeaderRouting();
  }

  private static Duration timeoutOf(Service s, Duration dflt) {
    Integer seconds = timeoutSeconds(s);
    return seconds == null || seconds <= 0 ? dflt : Duration.ofSeconds(seconds);
  }

  private static Integer timeoutSeconds(Service s) {
    return s.spec() == null || s.spec().template() == null
        ? null
        : s.spec().template().timeoutSeconds();
  }

  private static Map<String, Set<String>> freeze(Map<String, Set<String>> m) {
    Map<String, Set<String>> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, Set.copyOf(v)));
    return Map.copyOf(out);
  }
}
