package dev.skiff.cli.internal;

import java.net.URI;
import java.util.Locale;

/**
 * The Host a service answers to at the gateway: {@code {name}.{namespace}.{domain}}, or {@code
 * {tag}-{name}.{namespace}.{domain}} for a tag. The domain is the control plane's setting, so it is
 * read from the service's {@code status.url} rather than assumed.
 */
public final class ServiceHost {
  private ServiceHost() {}

  /**
   * @param statusUrl the service's {@code status.url}, e.g. {@code http://hello.default.localhost}
   * @param tag a traffic tag, or null for the service's main host
   */
  public static String of(String statusUrl, String name, String namespace, String tag) {
    String host = hostOf(statusUrl, name);
    String prefix = name + "." + namespace + ".";
    if (host.startsWith(prefix) && host.length() > prefix.length()) {
      String domain = host.substring(prefix.length());
      return (tag == null ? "" : tag + "-") + name + "." + namespace + "." + domain;
    }
    // A control plane with another URL template: its host is the service's host, and a tag
    // prefixes it the same way.
    return tag == null ? host : tag + "-" + host;
  }

  private static String hostOf(String statusUrl, String name) {
    String host = null;
    if (statusUrl != null && !statusUrl.isBlank()) {
      try {
        host = URI.create(statusUrl).getHost();
      } catch (IllegalArgumentException e) {
        host = null;
      }
    }
    if (host == null || host.isEmpty()) {
      throw new CliException(
          "service "
              + name
              + " has no usable URL (status.url is "
              + (statusUrl == null ? "empty" : "'" + statusUrl + "'")
              + "), so its host at the gateway is unknown",
          "see what the control plane reports with: skiff describe " + name);
    }
    return host.toLowerCase(Locale.ROOT);
  }
}
