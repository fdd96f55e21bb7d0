package dev.skiff.node.container.internal;

import dev.skiff.api.model.Probe;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import java.time.Duration;

/**
 * Runs one probe against a running container as the kubelet would: {@code httpGet} succeeds on a
 * status from 200 to 399 (over HTTP/2 prior knowledge when the port is named h2c), {@code
 * tcpSocket} on a connect, {@code grpc} on a SERVING answer to the gRPC health check over HTTP/2
 * cleartext ({@link GrpcHealthCheck}), {@code exec} on exit code 0 of the command run in the
 * container by the OCI runtime; each within {@code timeoutSeconds}. Answers true or false, never a
 * failed future. Called on an event loop; exec runs on the backend's workers.
 */
public final class ContainerProber {
  private final Host host;
  private final HttpClient http;
  private final HttpClient h2c;
  private final NetClient net;
  private final GrpcHealthCheck grpc;

  /**
   * @param http the HTTP/1.1 client of {@code httpGet} probes
   * @param h2c the HTTP/2 prior-knowledge client of {@code httpGet} probes of workloads whose port
   *     is named h2c (as Knative's queue-proxy probes them), and of {@code grpc} probes
   */
  public ContainerProber(Host host, HttpClient http, HttpClient h2c, NetClient net) {
    this.host = host;
    this.http = http;
    this.h2c = h2c;
    this.net = net;
    this.grpc = new GrpcHealthCheck(host.vertx(), h2c);
  }

  /** Closes the HTTP clients; the TCP client is the caller's. */
  public void close() {
    http.close();
    h2c.close();
  }

  public Future<Boolean> once(RunningContainer c, Probe p) {
    long timeoutMs = Duration.ofSeconds(p.timeoutOrDefault()).toMillis();
    Future<Boolean> attempt;
    if (p.httpGet() != null) {
      attempt = httpGet(c, p.httpGet(), timeoutMs);
    } else if (p.tcpSocket() != null) {
      attempt = tcp(c, timeoutMs);
    } else if (p.grpc() != null) {
      attempt =
          grpc.check(
              c.host(),
              p.grpc().port() == null ? c.port() : p.grpc().port(),
              p.grpc().serviceOrDefault(),
              timeoutMs);
    } else if (p.exec() != null) {
      attempt =
          host.workers()
              .executeBlocking(
                  () ->
                      Commands.run(
                              host.runtime().execCommand(c.key(), p.exec().command()),
                              null,
                              Duration.ofMillis(timeoutMs))
                          .ok(),
                  false);
    } else {
      attempt = Future.succeededFuture(true);
    }
    return attempt.otherwise(false);
  }

  /** A TCP connect to the container's port: the check without a readiness probe. */
  public Future<Boolean> tcp(RunningContainer c, long timeoutMs) {
    Promise<Boolean> result = Promise.promise();
    long timer = host.vertx().setTimer(Math.max(1, timeoutMs), t -> result.tryComplete(false));
    net.connect(c.port(), c.host())
        .onComplete(
            ar -> {
              host.vertx().cancelTimer(timer);
              if (ar.succeeded()) {
                ar.result().close();
              }
              result.tryComplete(ar.succeeded());
            });
    return result.future();
  }

  private Future<Boolean> httpGet(RunningContainer c, Probe.HttpGet g, long timeoutMs) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost(c.host())
            .setPort(c.port())
            .setURI(g.path() == null ? "/" : g.path())
            .setConnectTimeout(timeoutMs)
            .setIdleTimeout(timeoutMs)
            .putHeader("User-Agent", "skiff-probe")
            // Knative's queue-proxy marks its probes; workloads may answer them specially.
            .putHeader("K-Kubelet-Probe", "skiff");
    for (Probe.Header h : g.httpHeaders()) {
      o.putHeader(h.name(), h.value());
    }
    return (c.h2c() ? h2c : http)
        .request(o)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode() >= 200 && resp.statusCode() < 400));
  }
}
