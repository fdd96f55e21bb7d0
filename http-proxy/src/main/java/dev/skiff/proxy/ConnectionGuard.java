package dev.skiff.proxy;

import dev.skiff.proxy.internal.Channels;
import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps one listener's connections within bounds, whatever its clients do: a total cap and a cap
 * per client address (so one address cannot take every file descriptor), a time limit for a new
 * connection's first request head ({@code client_header_timeout}) and for a connection with no
 * request in flight ({@code keepalive_timeout}, which also ends a next request head sent too
 * slowly). Every accepted TCP connection counts, from its accept on, whether or not it ever sends a
 * byte; one over a cap is closed as soon as it is accepted. Shared by all the event loops of a
 * listener; give each listener its own, so the API keeps room when the gateway is flooded.
 *
 * <p>Wire it with {@link #apply} on the server's options, {@link #connected} as the server's
 * connection handler, {@link #listening} once the server listens, {@link #requestStarted} for each
 * request and {@link #requestEnded} when its exchange is over.
 */
public final class ConnectionGuard {
  private final Vertx vertx;
  private final long headerMillis;
  private final long idleMillis;
  private final int maxConnections;
  private final int maxPerClient;
  private final TrustedProxies exempt;
  private final AtomicInteger total = new AtomicInteger();
  private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final Map<HttpConnection, State> states = new ConcurrentHashMap<>();

  /**
   * @param exempt peers the per-client cap does not apply to (trusted proxies, which carry many
   *     clients' connections); the total cap still does
   */
  public ConnectionGuard(
      Vertx vertx,
      Duration headerTimeout,
      Duration idleTimeout,
      int maxConnections,
      int maxConnectionsPerClient,
      TrustedProxies exempt) {
    this.vertx = vertx;
    this.headerMillis = Arguments.positive(headerTimeout, "header timeout").toMillis();
    this.idleMillis = Arguments.positive(idleTimeout, "idle timeout").toMillis();
    this.maxConnections = Arguments.atLeastOne(maxConnections, "max connections");
    this.maxPerClient = Arguments.atLeastOne(maxConnectionsPerClient, "max connections per client");
    this.exempt = exempt;
  }

  /** The guard a proxy component's settings describe. */
  public static ConnectionGuard of(ProxySettings s) {
    return new ConnectionGuard(
        s.vertx(),
        s.headerTimeout(),
        s.idleTimeout(),
        s.maxConnections(),
        s.maxConnectionsPerClient(),
        s.trustedProxies());
  }

  /** How many connections are open now. */
  public int connections() {
    return total.get();
  }

  /**
   * The options a guarded server needs: an idle timeout of the header timeout, which closes a
   * connection that sends nothing at all (Vert.x announces an HTTP connection only once its first
   * bytes arrived, so {@link #connected} never sees a silent one). {@link #connected} lifts it.
   */
  public HttpServerOptions apply(HttpServerOptions options) {
    return options.setIdleTimeout((int) headerMillis).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * Counts every connection the server listening on {@code port} accepts from now on against the
   * caps, before it sends anything, and closes at once those over a cap. Call once the server (of
   * this guard's Vert.x) listens; calling again for the same port changes nothing.
   *
   * @return false when the listening socket cannot be found from its port: a server bound to port 0
   *     outside a {@link dev.skiff.proxy.ProxyServer} (Vert.x keeps no such socket where it can be
   *     found). Then {@link #connected} puts the count in place from the first connection, so have
   *     one made (a request to the server itself) before clients come.
   */
  public boolean listening(int port) {
    Future<Boolean> gated = gate(port);
    return !gated.isComplete() || Boolean.TRUE.equals(gated.result());
  }

  /**
   * Like {@link #listening}, and tells when the count is in place: the future completes (on the
   * calling context) with true once every connection accepted from then on is counted, or with
   * false at once when the listening socket cannot be found from its port. Connections accepted
   * between the call and its completion may go uncounted; a server that waits for it before it
   * reports itself started counts every client's connection.
   */
  public Future<Boolean> gate(int port) {
    return Channels.gateAccepts(vertx, port, this::admit);
  }

  /** A connection just accepted; true when it is within the caps (it then counts until closed). */
  private boolean admit(Channel child) {
    String client = address(child.remoteAddress());
    int own =
        perClient
            .compute(
                client,
                (k, n) -> {
                  AtomicInteger c = n == null ? new AtomicInteger() : n;
                  c.incrementAndGet();
                  return c;
                })
            .get();
    int all = total.incrementAndGet();
    if (all > maxConnections || (own > maxPerClient && !exempt.trusts(client))) {
      release(client);
      return false;
    }
    child.closeFuture().addListener(f -> release(client));
    return true;
  }

  private void release(String client) {
    total.decrementAndGet();
    perClient.computeIfPresent(client, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** A new HTTP connection (it has sent its first bytes); call on its event loop. */
  public void connected(HttpConnection conn) {
    Channels.gateAccepts(conn, this::admit); // in place already, unless listening() could not
    Channels.stopAcceptTimer(conn);
    Channels.answerBrokenBodies(conn);
    State state = new State(conn);
    states.put(conn, state);
    conn.closeHandler(v -> closed(state));
    state.arm(headerMillis);
  }

  /**
   * Marks the request's connection as beyond trust (its framing was refused): requests already read
   * from it behind this one must not be served. See {@link #condemned}.
   */
  public void condemn(HttpServerRequest request) {
    State s = states.get(request.connection());
    if (s != null) {
      s.condemned = true;
    }
  }

  /** True when the request came on a connection {@link #condemn condemned} before it. */
  public boolean condemned(HttpServerRequest request) {
    State s = states.get(request.connection());
    return s != null && s.condemned;
  }

  /** A request head arrived on its connection; its timers stop until {@link #requestEnded}. */
  public void requestStarted(HttpServerRequest request) {
    State s = states.get(request.connection());
    if (s != null) {
      s.active++; // a timer still set finds the connection busy when it fires, and lets it be
    }
  }

  /** A request's exchange is over; with none left, the connection's idle timer starts. */
  public void requestEnded(HttpServerRequest request) {
    State s = states.get(request.connection());
    if (s != null && s.active > 0 && --s.active == 0) {
      s.arm(idleMillis);
    }
  }

  private void closed(State s) {
    if (states.remove(s.conn) == null) {
      return;
    }
    s.disarm();
  }

  private static String address(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress()
        : "unknown";
  }

  /**
   * One connection's requests in flight and timer; touched only on its event loop.
   *
   * <p>The timer is not cancelled when a request starts nor set again when it ends: on a busy
   * keep-alive connection that would be a timer set and cancelled per request (a map entry and a
   * scheduled task each). A timer that fires while a request is in flight lets the connection be;
   * one that fires before the connection's deadline sets itself again for the rest; the connection
   * is closed only when it has had no request in flight for the whole limit, as before.
   */
  private final class State {
    final HttpConnection conn;
    int active;
    boolean condemned;
    long timer = -1;

    /**
     * When the connection is to be closed unless a request is in flight ({@link System#nanoTime}).
     */
    long deadline;

    /** When the timer set now fires, in {@link System#nanoTime}'s terms. */
    long timerDue;

    State(HttpConnection conn) {
      this.conn = conn;
    }

    /** No request in flight from now on: close unless one arrives within {@code millis}. */
    void arm(long millis) {
      long now = System.nanoTime();
      deadline = now + TimeUnit.MILLISECONDS.toNanos(millis);
      if (timer >= 0 && timerDue - deadline <= 0) {
        return; // fires before the deadline, and then sets itself again for the rest
      }
      disarm();
      schedule(millis, deadline);
    }

    private void schedule(long millis, long due) {
      timerDue = due;
      timer = vertx.setTimer(Math.max(1, millis), id -> fired());
    }

    private void fired() {
      timer = -1;
      if (active > 0) {
        return; // requestEnded sets the limit again once the connection is idle
      }
      long left = deadline - System.nanoTime();
      if (left > 0) {
        schedule(TimeUnit.NANOSECONDS.toMillis(left) + 1, deadline);
      } else {
        conn.close();
      }
    }

    void disarm() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
