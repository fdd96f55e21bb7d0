package dev.skiff.proxy.testing;

import static dev.skiff.proxy.testing.Await.await;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive HTTP/1.1 server on loopback that, per request, either answers it (200, keeping the
 * connection open) or closes the connection the moment the request's head arrives, without a byte
 * of an answer, as a server whose idle timeout fired just as the request went out does (Node.js
 * closes idle keep-alive connections after 5 s). The close is decided by the request's arrival, not
 * by a timer, so the race between the close and the proxy's reuse of the connection is forced. It
 * answers only requests without a body; a request with one is always closed on.
 */
public final class ClosingUpstream {

  /** Whether to answer the {@code request}th request (from 1) on the {@code connection}th one. */
  @FunctionalInterface
  public interface Script {
    boolean answers(int connection, int request);
  }

  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger closedOn = new AtomicInteger();
  private final NetServer server;

  /**
   * @param reset close with a reset (SO_LINGER 0) instead of a FIN
   */
  public ClosingUpstream(Vertx vertx, boolean reset, Script script) {
    this(vertx, reset ? new NetServerOptions().setSoLinger(0) : new NetServerOptions(), script);
  }

  /**
   * @param options the listener's options: TLS (a sidecar's mTLS), or SO_LINGER 0 to close with a
   *     reset instead of a FIN
   */
  public ClosingUpstream(Vertx vertx, NetServerOptions options, Script script) {
    server = vertx.createNetServer(options).connectHandler(s -> serve(s, script));
  }

  public int listen() {
    return await(server.listen(0, "127.0.0.1")).actualPort();
  }

  public void close() {
    await(server.close());
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests answered so far. */
  public int answered() {
    return answered.get();
  }

  /** Connections closed on a request's arrival, unanswered. */
  public int closedOn() {
    return closedOn.get();
  }

  private void serve(NetSocket socket, Script script) {
    int connection = connections.incrementAndGet();
    StringBuilder pending = new StringBuilder();
    int[] requests = {0};
    socket.handler(
        data -> {
          pending.append(data.toString(StandardCharsets.ISO_8859_1));
          for (int end = pending.indexOf("\r\n\r\n"); end >= 0; end = pending.indexOf("\r\n\r\n")) {
            String head = pending.substring(0, end).toLowerCase(Locale.ROOT);
            pending.delete(0, end + 4);
            requests[0]++;
            if (hasBody(head) || !script.answers(connection, requests[0])) {
              closedOn.incrementAndGet();
              socket.handler(null);
              socket.close();
              return;
            }
            String text = "ok " + connection + "." + requests[0];
            answered.incrementAndGet();
            socket.write("HTTP/1.1 200 OK\r\ncontent-length: " + text.length() + "\r\n\r\n" + text);
          }
        });
  }

  private static boolean hasBody(String head) {
    if (head.contains("\ntransfer-encoding:")) {
      return true;
    }
    int at = head.indexOf("\ncontent-length:");
    if (at < 0) {
      return false;
    }
    int eol = head.indexOf('\r', at);
    return !head.substring(at + 16, eol < 0 ? head.length() : eol).trim().equals("0");
  }
}
