package dev.skiff.store.etcd;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code etcd://HOST:PORT[,HOST:PORT...]} into etcd client endpoints. Hosts are names, IPv4
 * addresses or bracketed IPv6 addresses; every endpoint needs its port.
 */
public final class EtcdUrl {
  private static final String SCHEME = "etcd://";
  private static final String EXAMPLE =
      "etcd://127.0.0.1:2379 or etcd://10.0.0.1:2379,10.0.0.2:2379";

  private EtcdUrl() {}

  /** The endpoints of {@code url}; an {@link IllegalArgumentException} says what is wrong. */
  public static List<URI> parse(String url) {
    if (url == null || !url.startsWith(SCHEME)) {
      throw new IllegalArgumentException("'" + url + "' is not an etcd URL: write " + EXAMPLE);
    }
    String rest = url.substring(SCHEME.length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("'" + url + "' names no etcd endpoint: write " + EXAMPLE);
    }
    List<URI> out = new ArrayList<>();
    for (String hostPort : rest.split(",", -1)) {
      out.add(endpoint(url, hostPort.trim()));
    }
    return List.copyOf(out);
  }

  private static URI endpoint(String url, String hostPort) {
    URI u;
    try {
      u = new URI("http://" + hostPort);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + hostPort + "' in " + url + " is not HOST:PORT: write " + EXAMPLE, e);
    }
    if (hostPort.isEmpty()
        || u.getHost() == null
        || u.getPort() < 1
        || u.getPort() > 65535
        || u.getRawPath() != null && !u.getRawPath().isEmpty()
        || u.getRawQuery() != null
        || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "'"
              + hostPort
              + "' in "
              + url
              + " is not HOST:PORT (a host and a port from 1 to 65535, nothing else): write "
              + EXAMPLE);
    }
    return u;
  }
}
