package dev.skiff.proxy.internal;

import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.RequestChecks;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.function.Function;

/**
 * One event loop's share of a proxy server: an HTTP server (HTTP/1.1 and h2c, prior knowledge and
 * upgrade) on the shared port, its own keep-alive HTTP/1.1 client to the upstreams, and the
 * pipeline built around that client.
 */
public final class ProxyVerticle extends VerticleBase {
  private final String host;
  private final int port;
  private final ProxySettings settings;
  private final ConnectionGuard guard;
  private final Function<HttpClient, ? extends ProxyPipeline<?>> pipelines;
  private HttpServer server;
  private HttpClientAgent client;
  private ProxyPipeline<?> pipeline;

  public ProxyVerticle(
      String host,
      int port,
      ProxySettings settings,
      ConnectionGuard guard,
      Function<HttpClient, ? extends ProxyPipeline<?>> pipelines) {
    this.host = host;
    this.port = port;
    this.settings = settings;
    this.guard = guard;
    this.pipelines = pipelines;
  }

  @Override
  public Future<?> start() {
    client =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_1_1)
                    .setKeepAlive(true)
                    .setPipelining(false)
                    .setDecompressionSupported(false)
                    .setTcpNoDelay(true))
            .with(new PoolOptions().setHttp1MaxSize(settings.maxConnectionsPerEndpoint()))
            // Workloads' responses are parsed leniently (bare LF line ends), clients' requests not.
            .withConnectHandler(Channels::lenientResponses)
            .build();
    pipeline = pipelines.apply(client);
    server =
        vertx
            .createHttpServer(
                guard
                    .apply(new HttpServerOptions())
                    .setHttp2ClearTextEnabled(true)
                    .setHandle100ContinueAutomatically(true)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false)
                    .setTcpNoDelay(true))
            .connectionHandler(guard::connected)
            .requestHandler(request -> handle(pipeline, request));
    return server
        .listen(port, host)
        .map(
            s -> {
              // Silent connections count from their accept. Always found: ProxyServer shares ports.
              if (!guard.listening(s.actualPort())) {
                throw new IllegalStateException(
                    "cannot count the connections of port " + s.actualPort() + " at accept");
              }
              return s;
            });
  }

  private <X extends ProxyExchange> void handle(ProxyPipeline<X> p, HttpServerRequest request) {
    // The body stays unread until the proxy pipes it, however long the stages before it wait
    // (cold start, queueing).
    request.pause();
    if (guard.condemned(request)) {
      request.connection().close(); // read behind a refused request: never served
      return;
    }
    guard.requestStarted(request);
    String problem = RequestChecks.problem(request);
    if (problem != null) {
      guard.condemn(request);
      ErrorResponder.refuse(
          request,
          new BadRequestException(
              400, problem, "send a well-formed HTTP request (RFC 9110, RFC 9112)", null),
          null);
      return;
    }
    X x = p.exchange(request, context);
    // An HTTP/2 stream closes as soon as its response has ended: only a close before that end means
    // the client went away.
    request
        .response()
        .closeHandler(
            v -> {
              if (!request.response().ended()) {
                x.cancel(new ClientGoneException());
              }
            });
    p.serve(x)
        .onComplete(
            ar -> {
              x.finish();
              guard.requestEnded(request);
            });
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }
}
