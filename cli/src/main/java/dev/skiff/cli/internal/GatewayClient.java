package dev.skiff.cli.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sends one request through the gateway to a service, naming the service in the Host header (the
 * gateway routes by Host). Bodies go both ways as bytes, untouched.
 *
 * <p>{@link HttpURLConnection} sends a caller's Host header only when the system property {@value
 * #ALLOW_RESTRICTED} was {@code true} before its class loaded; {@code Skiff.run} sets it first
 * thing. Where that was too late (an in-process caller used HttpURLConnection earlier), the request
 * is not sent: to the gateway it would name no service at all.
 */
public final class GatewayClient {
  public static final String ALLOW_RESTRICTED = "sun.net.http.allowRestrictedHeaders";

  /** The methods HttpURLConnection can send (it refuses PATCH and anything else). */
  public static final Set<String> METHODS =
      Set.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE");

  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private final String base;

  private GatewayClient(String base) {
    this.base = base;
  }

  /**
   * A client for the gateway at {@code gateway}, e.g. {@code http://127.0.0.1:8080}.
   *
   * @throws IllegalArgumentException when it is not an http(s) URL with a host
   */
  public static GatewayClient create(String gateway) {
    String base = gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway;
    URI uri = URI.create(base);
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) URL with a host");
    }
    return new GatewayClient(base);
  }

  /** One header line; names keep the case they were given or received in. */
  public record Header(String name, String value) {}

  /**
   * @param path the request target, starting with {@code /}, query included
   * @param host the Host header
   * @param headers further headers, in order; a name given twice is sent twice
   * @param body the request body, or null for none
   */
  public record Request(
      String method, String path, String host, List<Header> headers, byte[] body) {}

  /**
   * The gateway's answer; {@link #body} is read from the connection as it comes.
   *
   * @param statusLine as received, e.g. {@code HTTP/1.1 200 OK}
   * @param headers as received, in order
   */
  public record Response(int status, String statusLine, List<Header> headers, InputStream body)
      implements AutoCloseable {
    /** The first value of a header, matched without regard to case, or null. */
    public String header(String name) {
      return headers.stream()
          .filter(h -> h.name().equalsIgnoreCase(name))
          .map(Header::value)
          .findFirst()
          .orElse(null);
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException e) {
        // The answer is already handled; a failing close only loses the connection for reuse.
      }
    }
  }

  /**
   * Sends the request and returns once the status and headers are in. Any status is an answer; only
   * a failure to talk to the gateway throws.
   */
  public Response send(Request r) {
    URL url;
    try {
      url = URI.create(base + r.path()).toURL();
    } catch (IllegalArgumentException | MalformedURLException e) {
      throw new CliException("'" + base + r.path() + "' is not a valid URL", "check --path");
    }
    try {
      HttpURLConnection c = (HttpURLConnection) url.openConnection();
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout(0); // the gateway enforces the service's own timeoutSeconds
      c.setInstanceFollowRedirects(false); // a redirect is the function's answer, shown as is
      c.setRequestMethod(r.method());
      setHost(c, r.host());
      Set<String> given = new HashSet<>();
      for (Header h : r.headers()) {
        // The first value replaces HttpURLConnection's default (Accept, User-Agent, ...).
        if (given.add(h.name().toLowerCase(Locale.ROOT))) {
          c.setRequestProperty(h.name(), h.value());
        } else {
          c.addRequestProperty(h.name(), h.value());
        }
      }
      if (r.body() != null) {
        // Buffered, not fixed-length streaming: in streaming mode HttpURLConnection throws on a
        // 401 or 407 answer instead of returning it.
        c.setDoOutput(true);
        try (OutputStream out = c.getOutputStream()) {
          out.write(r.body());
        }
      }
      int status = c.getResponseCode();
      InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
      return new Response(
          status,
          c.getHeaderField(0),
          headers(c),
          body == null ? new ByteArrayInputStream(new byte[0]) : body);
    } catch (IOException e) {
      throw new CliException(
          "cannot reach the gateway at " + base + ": " + ServerUnreachableException.describe(e),
          "start skiffd, or point --gateway (or SKIFF_GATEWAY) at a running gateway");
    }
  }

  private static void setHost(HttpURLConnection c, String host) {
    c.setRequestProperty("Host", host);
    if (!host.equals(c.getRequestProperty("Host"))) {
      throw new CliException(
          "this JVM does not let skiff set the Host header, so the gateway could not route the"
              + " request",
          "start the JVM with -D"
              + ALLOW_RESTRICTED
              + "=true, or call Skiff.run before anything"
              + " else in it uses HttpURLConnection");
    }
  }

  private static List<Header> headers(HttpURLConnection c) {
    List<Header> headers = new ArrayList<>();
    for (int i = 1; ; i++) { // field 0 is the status line
      String value = c.getHeaderField(i);
      if (value == null) {
        return headers;
      }
      String name = c.getHeaderFieldKey(i);
      if (name != null) {
        headers.add(new Header(name, value));
      }
    }
  }
}
