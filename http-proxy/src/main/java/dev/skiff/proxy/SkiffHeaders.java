package dev.skiff.proxy;

import java.util.Locale;
import java.util.Set;

/**
 * The headers Skiff's own hops send each other (gateway to activator to instance). Each name is
 * written here once; every component that sends or reads one uses these constants. A client's own
 * copies are always dropped at the gateway ({@link #ALL}), so no client can steer the activator or
 * claim another address.
 */
public final class SkiffHeaders {
  /** The namespace of the revision a request is for (gateway to activator). */
  public static final String REVISION_NAMESPACE = "Skiff-Revision-Namespace";

  /** The name of the revision a request is for (gateway to activator). */
  public static final String REVISION_NAME = "Skiff-Revision-Name";

  /** The request's timeout in milliseconds, counted from its arrival (gateway to activator). */
  public static final String REQUEST_TIMEOUT_MS = "Skiff-Request-Timeout-Ms";

  /**
   * Sent to instances on every request the activator forwards, value {@value
   * #PROXIED_BY_ACTIVATOR}, so a sidecar can count it as proxied (Knative's {@code
   * K-Proxy-Request}).
   */
  public static final String PROXIED_BY = "Skiff-Proxied-By";

  public static final String PROXIED_BY_ACTIVATOR = "activator";

  /**
   * The client's address as the gateway established it (the TCP peer, or the first untrusted hop of
   * a trusted proxy's {@code X-Forwarded-For}). Instances take {@code REMOTE_ADDR} from it.
   */
  public static final String CLIENT_ADDRESS = "Skiff-Client-Address";

  /** Every Skiff header, lower case, for matching. */
  public static final Set<String> ALL =
      Set.of(
          lower(REVISION_NAMESPACE),
          lower(REVISION_NAME),
          lower(REQUEST_TIMEOUT_MS),
          lower(PROXIED_BY),
          lower(CLIENT_ADDRESS));

  private SkiffHeaders() {}

  /** {@code name} in lower case, as header sets for matching hold it. */
  public static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
