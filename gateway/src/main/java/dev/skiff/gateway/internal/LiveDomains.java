package dev.skiff.gateway.internal;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.watch.ResourceEvent;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The current domain mappings, kept in step with the control plane's watch: custom host to the
 * service host it stands for. Writers (watch events, any thread) serialize on this object and
 * publish a new map through one volatile reference; requests read it without locking.
 */
final class LiveDomains {
  private static final System.Logger LOG = System.getLogger(LiveDomains.class.getName());
  private static final String KEY_PREFIX = "/skiff/domainmappings/";

  /**
   * One mapped domain.
   *
   * @param routeHost the service's (or tag's) own host under the cluster domain
   * @param tls whether the domain is served over HTTPS (tls auto or files)
   * @param redirect whether plain HTTP gets a 308 to HTTPS once a certificate is served
   * @param hsts the Strict-Transport-Security value sent over HTTPS, or null
   */
  record Domain(String routeHost, boolean tls, boolean redirect, String hsts) {}

  private final String clusterDomain;
  private volatile Map<String, Domain> current = Map.of();

  // Guarded by this.
  private final Map<String, Long> appliedRevision = new HashMap<>();

  LiveDomains(String clusterDomain) {
    this.clusterDomain = clusterDomain;
  }

  /** The mapping of {@code host} (lower case, no port), or null. */
  Domain lookup(String host) {
    return host == null ? null : current.get(host);
  }

  /** Applies a DomainMapping PUT or DELETE; other kinds and stale events are skipped. */
  synchronized void apply(ResourceEvent event) {
    if (!DomainMapping.KIND.equals(event.kind())
        || event.key() == null
        || !event.key().startsWith(KEY_PREFIX)) {
      return;
    }
    String domain = event.key().substring(KEY_PREFIX.length()).toLowerCase(Locale.ROOT);
    Long applied = appliedRevision.get(domain);
    if (applied != null && event.revision() < applied) {
      return;
    }
    appliedRevision.put(domain, event.revision());
    Map<String, Domain> next = new HashMap<>(current);
    if (event.type() == ResourceEvent.Type.DELETE || event.object() == null) {
      next.remove(domain);
    } else {
      try {
        next.put(domain, domainOf((DomainMapping) event.resource()));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "ignoring unreadable DomainMapping at " + event.key(), e);
        return;
      }
    }
    current = Map.copyOf(next);
  }

  private Domain domainOf(DomainMapping d) {
    DomainMappingSpec s = d.spec();
    String label = s.tag() == null ? s.service() : s.tag() + "-" + s.service();
    String routeHost = label + "." + d.metadata().namespaceOrDefault() + "." + clusterDomain;
    return new Domain(
        routeHost,
        !DomainMappingSpec.TLS_NONE.equals(s.tlsOrDefault()),
        s.redirectOrDefault(),
        s.hstsMaxAgeSeconds() == null ? null : "max-age=" + s.hstsMaxAgeSeconds());
  }
}
