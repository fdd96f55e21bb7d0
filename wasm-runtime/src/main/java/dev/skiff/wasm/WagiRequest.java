package dev.skiff.wasm;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One HTTP request as the WAGI host sees it, body fully read. Build with {@link #builder()}.
 *
 * @param method HTTP method, for example {@code GET}
 * @param path the raw (still percent-encoded) path, starting with {@code /}
 * @param query the raw query string without {@code ?}; empty when absent
 * @param headers request headers; names in any case
 * @param body the request body, possibly empty
 * @param remoteAddr the client's IP address
 * @param serverName the host name the request was addressed to (from {@code Host})
 * @param serverPort the port the request was addressed to
 * @param protocol for example {@code HTTP/1.1}
 * @param fullUrl the full URL, or {@code null} to derive it from the fields above
 * @param matchedRoute the route that selected this function; {@code /...} matches everything, so
 *     {@code SCRIPT_NAME} is empty and {@code PATH_INFO} is the whole path
 */
public record WagiRequest(
    String method,
    String path,
    String query,
    Map<String, List<String>> headers,
    byte[] body,
    String remoteAddr,
    String serverName,
    int serverPort,
    String protocol,
    String fullUrl,
    String matchedRoute) {

  public WagiRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    query = query == null ? "" : query;
    headers = copy(headers);
    body = body == null ? new byte[0] : body;
    remoteAddr = remoteAddr == null ? "" : remoteAddr;
    serverName = serverName == null ? "localhost" : serverName;
    protocol = protocol == null ? "HTTP/1.1" : protocol;
    matchedRoute = matchedRoute == null ? "/..." : matchedRoute;
  }

  /** The first value of a header, matched case-insensitively. */
  public Optional<String> header(String name) {
    for (Map.Entry<String, List<String>> entry : headers.entrySet()) { // per request: no stream
      if (entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
        return Optional.of(entry.getValue().get(0));
      }
    }
    return Optional.empty();
  }

  public static Builder builder() {
    return new Builder();
  }

  private static Map<String, List<String>> copy(Map<String, List<String>> headers) {
    if (headers == null) {
      return Map.of();
    }
    if (headers instanceof Sealed) {
      return headers; // a builder's, handed over: never changed again
    }
    var copy = new LinkedHashMap<String, List<String>>();
    headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    return Collections.unmodifiableMap(copy);
  }

  /**
   * A builder's headers handed to the request it built, read-only, values immutable lists: the
   * builder copies them before it adds another, so the request needs no copy of its own (one
   * request per event or HTTP request; this saves a map and a list per header).
   */
  private static final class Sealed extends AbstractMap<String, List<String>> {
    private final Map<String, List<String>> headers;

    Sealed(Map<String, List<String>> headers) {
      this.headers = Collections.unmodifiableMap(headers);
    }

    @Override
    public Set<Map.Entry<String, List<String>>> entrySet() {
      return headers.entrySet();
    }

    @Override
    public List<String> get(Object name) {
      return headers.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
      return headers.containsKey(name);
    }

    @Override
    public int size() {
      return headers.size();
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super List<String>> action) {
      headers.forEach(action);
    }
  }

  /** Builds a {@link WagiRequest}; defaults: {@code GET /}, no headers, empty body. */
  public static final class Builder {
    private String method = "GET";
    private String path = "/";
    private String query = "";

    /** Values are immutable lists, so a built request can share the map. */
    private Map<String, List<String>> headers = new LinkedHashMap<>();

    /** Whether a built request holds {@link #headers}: copy it before adding to it. */
    private boolean headersShared;

    private byte[] body;
    private String remoteAddr = "127.0.0.1";
    private String serverName = "localhost";
    private int serverPort = 80;
    private String protocol = "HTTP/1.1";
    private String fullUrl;
    private String matchedRoute = "/...";

    private Builder() {}

    public Builder withMethod(String method) {
      this.method = method;
      return this;
    }

    public Builder withPath(String path) {
      this.path = path;
      return this;
    }

    public Builder withQuery(String query) {
      this.query = query;
      return this;
    }

    /** Sets path and query from a request target such as {@code /hello?name=x}. */
    public Builder withUri(String pathAndQuery) {
      int mark = pathAndQuery.indexOf('?');
      this.path = mark < 0 ? pathAndQuery : pathAndQuery.substring(0, mark);
      this.query = mark < 0 ? "" : pathAndQuery.substring(mark + 1);
      return this;
    }

    /** Adds one value of a header (repeat for several values). */
    public Builder withHeader(String name, String value) {
      Objects.requireNonNull(value, "value");
      if (headersShared) {
        headers = new LinkedHashMap<>(headers);
        headersShared = false;
      }
      List<String> values = headers.get(name);
      if (values == null) {
        headers.put(name, List.of(value));
      } else {
        List<String> more = new ArrayList<>(values.size() + 1);
        more.addAll(values);
        more.add(value);
        headers.put(name, List.copyOf(more));
      }
      return this;
    }

    public Builder withHeaders(Map<String, List<String>> headers) {
      headers.forEach((name, values) -> values.forEach(value -> withHeader(name, value)));
      return this;
    }

    public Builder withBody(byte[] body) {
      this.body = body;
      return this;
    }

    public Builder withRemoteAddr(String remoteAddr) {
      this.remoteAddr = remoteAddr;
      return this;
    }

    public Builder withServer(String serverName, int serverPort) {
      this.serverName = serverName;
      this.serverPort = serverPort;
      return this;
    }

    public Builder withProtocol(String protocol) {
      this.protocol = protocol;
      return this;
    }

    public Builder withFullUrl(String fullUrl) {
      this.fullUrl = fullUrl;
      return this;
    }

    public Builder withMatchedRoute(String matchedRoute) {
      this.matchedRoute = matchedRoute;
      return this;
    }

    public WagiRequest build() {
      headersShared = true;
      return new WagiRequest(
          method,
          path,
          query,
          new Sealed(headers),
          body,
          remoteAddr,
          serverName,
          serverPort,
          protocol,
          fullUrl,
          matchedRoute);
    }
  }
}
