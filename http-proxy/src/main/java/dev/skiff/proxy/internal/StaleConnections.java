package dev.skiff.proxy.internal;

import dev.skiff.proxy.KeptAliveClosedException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.impl.HttpClientConnection;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * The race of a kept-alive upstream connection that its server closed while it sat idle (Node.js
 * closes idle keep-alive connections after 5 s, many servers after a few seconds): when the close
 * crosses the proxy's next request on the wire, the request goes out on a connection the server has
 * already given up, and the proxy sees the connection close (or reset) without a byte of an answer.
 * Such a request is sent again, once, on a new connection, when that is safe, as Go's net/http
 * transport, Envoy and nginx do: the connection had answered a request before (a server that hangs
 * up on a new connection does not like the request, and sending it again would loop), no response
 * arrived, and the request can be sent again as it was ({@link dev.skiff.proxy.Replayable}).
 */
public final class StaleConnections {
  private StaleConnections() {}

  /**
   * Whether a Vert.x client connection had received a whole response before: a kept-alive one
   * reused. False when Vert.x does not say (another connection type): no retry, as for a new one.
   */
  public static boolean reused(HttpConnection conn) {
    HttpConnection c = conn instanceof UnpooledHttpClientConnection u ? u.unwrap() : conn;
    // HTTP/2 says itself what a closing server did not process (GOAWAY's last stream, or
    // REFUSED_STREAM): dev.skiff.proxy.Unprocessed, not this guess.
    return c instanceof HttpClientConnection client
        && c.protocolVersion() != HttpVersion.HTTP_2
        && client.lastResponseReceivedTimestamp() > 0;
  }

  /**
   * A request with {@code options} (method, URI, headers) on a new HTTP/1.1 connection of its own
   * to {@code host:port}, made with the client's options of the moment (its TLS credentials too),
   * and closed when {@code over} completes: a second attempt's, outside any pool.
   */
  public static Future<HttpClientRequest> fresh(
      HttpClientAgent client,
      String host,
      int port,
      boolean tls,
      RequestOptions options,
      long connectTimeoutMillis,
      Future<?> over) {
    return client
        .connect(
            new HttpConnectOptions()
                .setHost(host)
                .setPort(port)
                .setSsl(tls)
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setConnectTimeout(connectTimeoutMillis))
        .compose(
            conn -> {
              Channels.lenientResponses(conn); // as the pool does to each of its connections
              over.onComplete(v -> conn.close());
              return conn.request(options);
            });
  }

  /**
   * Whether {@code err} says the server closed or reset the connection (end of stream, reset,
   * broken pipe), rather than that it answered badly or went silent: a connection that timed out (a
   * vanished peer, its dead-peer timeout) is no stale connection, and a new one to the same peer
   * would only wait out the connect timeout.
   */
  public static boolean closedByPeer(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof HttpClosedException) {
        return true;
      }
      if (t instanceof IOException) {
        String message = String.valueOf(t.getMessage());
        return !(t instanceof SocketTimeoutException) && !message.contains("timed out");
      }
    }
    return false;
  }

  /** What a request on a reused connection that the server closed unanswered fails with. */
  public static KeptAliveClosedException notSentAgain(Throwable cause) {
    return new KeptAliveClosedException(cause);
  }
}
