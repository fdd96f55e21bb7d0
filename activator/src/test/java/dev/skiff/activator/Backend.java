package dev.skiff.activator;

import dev.skiff.activator.spi.Endpoint;
import dev.skiff.proxy.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small real HTTP server standing in for a function instance. It records every request, measures
 * how many it serves at once, and either answers at once (a body is streamed back, otherwise its
 * name), answers after {@code delayMillis}, or holds requests until {@link #release()}.
 */
final class Backend {
  record Seen(String method, String uri, MultiMap headers) {}

  final String name;
  final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  private final Vertx vertx;
  private final List<HttpServerRequest> held = new ArrayList<>();
  private volatile boolean holding;
  private volatile long delayMillis;
  private volatile boolean slam;
  private HttpServer server;

  private Backend(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
  }

  static Backend start(Vertx vertx, String name) {
    Backend b = new Backend(vertx, name);
    b.server = vertx.createHttpServer().requestHandler(b::handle);
    Await.await(b.server.listen(0, "127.0.0.1"));
    return b;
  }

  /** Holds requests from now on, until {@link #release()}. */
  Backend hold() {
    holding = true;
    return this;
  }

  /** Answers each request after {@code millis}. */
  Backend delay(long millis) {
    delayMillis = millis;
    return this;
  }

  /** Closes the connection of every request without answering (after reading it). */
  Backend slam() {
    slam = true;
    return this;
  }

  /** Stops holding; answers the held requests. */
  void release() {
    List<HttpServerRequest> toAnswer;
    synchronized (held) {
      holding = false;
      toAnswer = new ArrayList<>(held);
      held.clear();
    }
    toAnswer.forEach(this::answer);
  }

  /** Answers up to {@code n} held requests, oldest first, and keeps holding the rest. */
  void releaseSome(int n) {
    List<HttpServerRequest> toAnswer = new ArrayList<>();
    synchronized (held) {
      for (int i = 0; i < n && !held.isEmpty(); i++) {
        toAnswer.add(held.remove(0));
      }
    }
    toAnswer.forEach(this::answer);
  }

  int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  Endpoint endpoint() {
    return new Endpoint("127.0.0.1", server.actualPort());
  }

  long count(String uri) {
    return seen.stream().filter(s -> s.uri().equals(uri)).count();
  }

  Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    if (req.authority() != null) {
      copy.set("host", req.authority().toString());
    }
    seen.add(new Seen(req.method().name(), req.uri(), copy));
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    AtomicBoolean counted = new AtomicBoolean(true);
    Runnable leave =
        () -> {
          if (counted.compareAndSet(true, false)) {
            inFlight.decrementAndGet();
          }
        };
    req.response().endHandler(v -> leave.run());
    req.response().closeHandler(v -> leave.run());
    if (slam) {
      req.body().onComplete(ar -> req.connection().close());
      return;
    }
    synchronized (held) {
      if (holding) {
        req.pause();
        held.add(req);
        return;
      }
    }
    if (delayMillis > 0) {
      req.pause();
      vertx.setTimer(delayMillis, id -> answer(req));
    } else {
      answer(req);
    }
  }

  private void answer(HttpServerRequest req) {
    var res = req.response();
    res.putHeader("x-backend", name)
        .putHeader("keep-alive", "timeout=5")
        .putHeader("connection", "x-private")
        .putHeader("x-private", "hop-only");
    boolean hasBody =
        req.headers().contains("content-length") || req.headers().contains("transfer-encoding");
    if (hasBody) {
      res.setChunked(true);
      req.pipeTo(res);
    } else {
      req.resume();
      res.end(name);
    }
  }
}
