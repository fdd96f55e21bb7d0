package dev.skiff.node;

import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.stats.RequestTracker;
import dev.skiff.proxy.SkiffHeaders;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * The plain front, without a mesh: an instance served in process (Wasm) gets a plaintext HTTP
 * listener of its own on {@code bindHost} (port 0), which counts its requests; an instance with an
 * address of its own (a container) is published at that address as it is, and nothing counts its
 * requests on the node (the activator's stats are all the autoscaler sees of it). For
 * node-runtime's tests and tools, and skiffd without the mesh; skiffd's mesh puts a sidecar in
 * front instead.
 */
public final class LoopbackFront implements FrontDoor {
  private final Vertx vertx;
  private final String bindHost;

  public LoopbackFront(Vertx vertx, String bindHost) {
    this.vertx = vertx;
    this.bindHost = bindHost;
  }

  @Override
  public Future<InstanceFront> open(InstanceSpec spec, Instance instance) {
    Handler<HttpServerRequest> handler = instance.handler();
    if (handler == null) {
      return Future.succeededFuture(new Direct(instance.host(), instance.port()));
    }
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(bindHost)
                .setPort(0)
                .setHttp2ClearTextEnabled(true)
                .setTcpNoDelay(true));
    return server
        .requestHandler(counting(spec.requests(), handler))
        .listen()
        .map(s -> new Listening(s, bindHost));
  }

  /**
   * Counts each request once around {@code handler}, as proxied when the activator forwarded it:
   * enter now, leave when its answer ends or, for an answer that never ended, when the connection
   * (or HTTP/2 stream) closes.
   */
  private static Handler<HttpServerRequest> counting(
      RequestTracker tracker, Handler<HttpServerRequest> handler) {
    return req -> {
      // The activator reports what it forwards itself; the autoscaler takes it out of ours.
      boolean proxied =
          SkiffHeaders.PROXIED_BY_ACTIVATOR.equals(req.getHeader(SkiffHeaders.PROXIED_BY));
      tracker.enter(proxied);
      req.response().endHandler(v -> tracker.leave(proxied));
      req.response()
          .closeHandler(
              v -> {
                if (!req.response().ended()) {
                  tracker.leave(proxied);
                }
              });
      handler.handle(req);
    };
  }

  /** The instance's own address, published as it is. */
  private record Direct(String host, int port) implements InstanceFront {
    @Override
    public String identity() {
      return null;
    }

    @Override
    public Future<Void> stop(Duration drain) {
      return Future.succeededFuture();
    }
  }

  /** A loopback listener serving an in-process instance. */
  private record Listening(HttpServer server, String host) implements InstanceFront {
    @Override
    public int port() {
      return server.actualPort();
    }

    @Override
    public String identity() {
      return null;
    }

    @Override
    public Future<Void> stop(Duration drain) {
      // Graceful: stop accepting, let requests in flight finish for up to the drain, then close
      // the connections that are left.
      return server.shutdown(drain);
    }
  }
}
