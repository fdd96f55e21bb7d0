package dev.skiff.cli;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the gateway: routes by the Host header like the real one ({@code routes} maps a
 * host to the revision that answers), names the revision in {@code X-Skiff-Revision}, and records
 * every request it received.
 *
 * <p>It stands in for the real gateway because that one forwards to instances, which need a node;
 * invoke's tests are about what the CLI sends and prints, which a recording stand-in shows byte for
 * byte.
 *
 * <p>Answers: an unknown host gets 404 with the gateway's JSON error; {@code /status/NNN} answers
 * status NNN; otherwise 200, echoing the request body (and its Content-Type) when there is one, or
 * {@code hello from <revision>}.
 */
final class FakeGateway implements AutoCloseable {
  /** One request as the gateway received it. */
  record Received(String method, String target, Headers headers, byte[] body) {
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();

  private final HttpServer server;
  private final Map<String, String> routes;

  private FakeGateway(HttpServer server, Map<String, String> routes) {
    this.server = server;
    this.routes = Map.copyOf(routes);
  }

  static FakeGateway start(Map<String, String> routes) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    FakeGateway fake = new FakeGateway(s, routes);
    s.createContext("/", fake::handle);
    s.start();
    return fake;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The one request received; fails unless there was exactly one. */
  Received only() {
    if (received.size() != 1) {
      throw new AssertionError("expected one request at the gateway, got " + received);
    }
    return received.get(0);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] in = ex.getRequestBody().readAllBytes();
    Headers h = ex.getRequestHeaders();
    received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), h, in));
    String host = h.getFirst("Host") == null ? "" : h.getFirst("Host").toLowerCase(Locale.ROOT);
    String revision = routes.get(host.replaceFirst(":\\d+$", ""));
    String path = ex.getRequestURI().getPath();
    int status;
    byte[] out;
    String type;
    if (revision == null) {
      status = 404;
      type = "application/json";
      // The real gateway's words for a host of its domain that names no service (RouteTable).
      String[] labels = host.replaceFirst(":\\d+$", "").split("\\.");
      String ns = labels.length > 1 ? labels[1] : "";
      out =
          ("{\"error\":\"no service '"
                  + labels[0]
                  + "' in namespace '"
                  + ns
                  + "'\","
                  + "\"hint\":\"check the name with the skiff CLI's service list\"}")
              .getBytes(StandardCharsets.UTF_8);
    } else {
      ex.getResponseHeaders().add("X-Skiff-Revision", revision);
      if (path.startsWith("/status/")) {
        status = Integer.parseInt(path.substring("/status/".length()));
        type = "text/plain; charset=utf-8";
        out = ("status " + status + " from " + revision + "\n").getBytes(StandardCharsets.UTF_8);
        if (status / 100 == 3) {
          ex.getResponseHeaders().add("Location", "/elsewhere");
        }
      } else if (in.length > 0) {
        status = 200;
        type = h.getFirst("Content-Type");
        out = in;
      } else {
        status = 200;
        type = "text/plain; charset=utf-8";
        out = ("hello from " + revision + "\n").getBytes(StandardCharsets.UTF_8);
      }
    }
    ex.getResponseHeaders().add("X-Served-By", "fake-gateway");
    ex.getResponseHeaders().add("X-Served-By", "test");
    if (type != null) {
      ex.getResponseHeaders().set("Content-Type", type);
    }
    boolean noBody = ex.getRequestMethod().equals("HEAD") || out.length == 0;
    ex.sendResponseHeaders(status, noBody ? -1 : out.length);
    if (!noBody) {
      ex.getResponseBody().write(out);
    }
    ex.close();
  }
}
