package dev.skiff.cli;

import dev.skiff.node.LogLine;
import dev.skiff.node.LogStore;
import dev.skiff.node.LogsEndpoint;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The node's log store behind node-runtime's real logs endpoint, mounted as skiffd mounts it, plus
 * what a test needs around it: lines written at a given time, and knowing and ending the open
 * follows. The endpoint itself never ends a follow; a control plane does by ending the answer,
 * which {@link #endFollows} does.
 */
final class ServiceLogs {
  /** The path skiffd serves the endpoint at. */
  static final String PATH = "/v1/namespaces/:namespace/services/:service/logs";

  /** The query of every logs request as the endpoint read it (decoded), in order. */
  final List<String> queries = new CopyOnWriteArrayList<>();

  private final SettableClock clock = new SettableClock();
  private final LogStore store = new LogStore(1000, clock);
  private final LogsEndpoint endpoint = new LogsEndpoint(store, Clock.systemUTC());
  private final List<Follow> follows = new CopyOnWriteArrayList<>();

  private record Follow(Context context, HttpServerResponse response) {}

  /** The route handler: the real endpoint, watched. */
  Handler<RoutingContext> route() {
    return ctx -> {
      queries.add(
          ctx.queryParams().entries().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining("&")));
      endpoint.handle(ctx); // subscribes a follow before it returns
      if ("true".equals(ctx.queryParams().get("follow"))) {
        follows.add(new Follow(Vertx.currentContext(), ctx.response()));
      }
    };
  }

  /**
   * A line as the endpoint sends it, by an instance of {@code revision} of service default/NAME.
   */
  static LogLine line(Instant time, String revision, String stream, String text) {
    return new LogLine(time, revision, "default." + revision + ".1", stream, text);
  }

  /** Writes a line of service default/{@code service} as its instance would, at its time. */
  void write(String service, LogLine l) {
    synchronized (clock) {
      clock.now = l.time();
      store.sink("default", service, l.revision(), l.instance()).line(l.stream(), l.line());
    }
  }

  /** Waits until a follow is open (its lines are then sent as they are written). */
  void awaitFollow() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (follows.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no logs follow was opened");
      }
      LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
    }
  }

  /** Ends every open follow after the lines written before, as a control plane ends an answer. */
  void endFollows() {
    for (Follow f : follows) {
      f.context()
          .runOnContext(
              v -> {
                if (!f.response().ended() && !f.response().closed()) {
                  f.response().end();
                }
              });
    }
  }

  /** Whether every follow's connection turned out closed by the client within {@code timeout}. */
  boolean followersGone(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (follows.isEmpty() || !follows.stream().allMatch(f -> f.response().closed())) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
    }
    return true;
  }

  /** A clock a writer sets to the time of the line it writes. */
  private static final class SettableClock extends Clock {
    volatile Instant now = Instant.EPOCH;

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
