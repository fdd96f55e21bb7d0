package dev.skiff.routing;

import dev.skiff.api.model.Service;
import dev.skiff.api.watch.ResourceEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The current route table, kept in step with the control plane's watch. Writers (watch events, any
 * thread) serialize on this object and publish a freshly built table through one volatile
 * reference; readers (requests, every event loop) take that reference without locking, so a request
 * sees either the whole old table or the whole new one.
 */
public final class LiveRoutes {
  private static final System.Logger LOG = System.getLogger(LiveRoutes.class.getName());
  private static final String KEY_PREFIX = "/skiff/services/";

  private final String domain;
  private final Duration defaultTimeout;
  private volatile RouteTable current;

  // Guarded by this.
  private final Map<String, Service> services = new HashMap<>();

  /** Store revision of the last change applied per service, deletions included. */
  private final Map<String, Long> appliedRevision = new HashMap<>();

  public LiveRoutes(String domain, Duration defaultTimeout) {
    this.domain = domain;
    this.defaultTimeout = defaultTimeout;
    this.current = RouteTable.empty(domain);
  }

  public RouteTable current() {
    return current;
  }

  /**
   * Applies a Service PUT or DELETE; other kinds, unreadable objects and stale events are skipped.
   */
  public synchronized void apply(ResourceEvent event) {
    if (!Service.KIND.equals(event.kind())) {
      return;
    }
    Service service = null;
    if (event.object() != null && !event.object().isNull()) {
      try {
        service = (Service) event.resource();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "ignoring unreadable Service at " + event.key(), e);
        return;
      }
    }
    if (event.type() == ResourceEvent.Type.PUT && service == null) {
      LOG.log(Level.WARNING, "ignoring Service PUT without an object at {0}", event.key());
      return;
    }
    String key = keyOf(event, service);
    if (key == null) {
      LOG.log(Level.WARNING, "ignoring Service event without a name at {0}", event.key());
      return;
    }
    Long applied = appliedRevision.get(key);
    if (applied != null && event.revision() < applied) {
      return; // a replayed or reordered event older than what the table already shows
    }
    appliedRevision.put(key, event.revision());
    boolean put = event.type() == ResourceEvent.Type.PUT;
    Service before = put ? services.put(key, service) : services.remove(key);
    // Most writes of a service are of its status (conditions, observed generation) and leave its
    // routes as they were; rebuilding the whole table for them made each deploy cost more the more
    // services there were (bench/notes/density.md, fifteenth round).
    boolean unchanged = before == null ? !put : put && RouteTable.sameRoutes(before, service);
    if (!unchanged) {
      current = RouteTable.build(services.values(), domain, defaultTimeout);
    }
  }

  /**
   * {@code namespace/name} from the object, or from a store key {@code /skiff/services/ns/name}.
   */
  private static String keyOf(ResourceEvent event, Service service) {
    if (service != null && service.metadata() != null && service.metadata().name() != null) {
      return service.metadata().namespaceOrDefault() + "/" + service.metadata().name();
    }
    String k = event.key();
    if (k != null && k.startsWith(KEY_PREFIX) && k.indexOf('/', KEY_PREFIX.length()) > 0) {
      return k.substring(KEY_PREFIX.length());
    }
    return null;
  }
}
