package dev.skiff.proxy;

import io.vertx.core.Context;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Which event loop serves the accepted end of a connection made inside this JVM, so that a client
 * in the same process (the gateway calling a sidecar over its mTLS socket) can keep each request on
 * one thread: the client's connection and the server's accepted end on the same event loop, instead
 * of a wake of the server's loop per request and of the client's per answer.
 *
 * <p>A server that takes part (the mesh's sidecar listeners) records each connection it serves
 * ({@link #served}) and offers to accept on more event loops ({@link #offer}). A client asks, once
 * per connection, which thread serves its other end ({@link #servingThread}): a connection to
 * another process, or to a server that does not take part, has no entry and is used as before. Only
 * a hint for placement: nothing here decides who may call what. Thread-safe.
 */
public final class AcceptingLoops {
  private static final Map<Key, Thread> SERVING = new ConcurrentHashMap<>();
  private static final Map<Integer, Predicate<Context>> OFFERS = new ConcurrentHashMap<>();

  private AcceptingLoops() {}

  /**
   * Records that the calling thread (the event loop a server accepted {@code conn} on) serves the
   * connection, until it closes. Call from the server's connection handler.
   */
  public static void served(HttpConnection conn) {
    Key k = key(conn.remoteAddress(), conn.localAddress());
    if (k == null || !(conn instanceof ConnectionBase base)) {
      return;
    }
    SERVING.put(k, Thread.currentThread());
    base.channel().closeFuture().addListener(f -> SERVING.remove(k));
  }

  /**
   * The thread that serves the accepted end of the connection from {@code local} to {@code remote},
   * seen from the client; null when no server of this process recorded it.
   */
  public static Thread servingThread(SocketAddress local, SocketAddress remote) {
    Key k = key(local, remote);
    return k == null ? null : SERVING.get(k);
  }

  /**
   * Lets a server on {@code port} be asked to accept on more event loops: {@code serveOn} is given
   * a context of the loop that asks (from that loop), answers whether it will, and must not block.
   */
  public static void offer(int port, Predicate<Context> serveOn) {
    OFFERS.put(port, serveOn);
  }

  /** Withdraws the offer {@code serveOn} made for {@code port}, if it is still the current one. */
  public static void withdraw(int port, Predicate<Context> serveOn) {
    OFFERS.remove(port, serveOn);
  }

  /**
   * Asks the server of this process on {@code port}, if one offered, to accept connections on the
   * calling context's event loop too; false when none offered or it cannot (another Vert.x
   * instance's loop).
   */
  public static boolean askToServeHere(int port, Context here) {
    Predicate<Context> serveOn = OFFERS.get(port);
    if (serveOn == null) {
      return false;
    }
    return serveOn.test(here);
  }

  private static Key key(SocketAddress client, SocketAddress server) {
    if (client == null || server == null || client.hostAddress() == null) {
      return null;
    }
    return new Key(client.hostAddress(), client.port(), server.hostAddress(), server.port());
  }

  private record Key(String clientHost, int clientPort, String serverHost, int serverPort) {}
}
