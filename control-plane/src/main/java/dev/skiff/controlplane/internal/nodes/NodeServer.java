package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.mesh.MeshCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The node port's HTTP/2 server: TLS from {@link PortIdentity} (renewed at 70 % of its lifetime and
 * swapped into the live server), gRPC calls from {@link NodeCalls}.
 */
public final class NodeServer {
  private static final System.Logger LOG = System.getLogger(NodeServer.class.getName());

  private final Vertx vertx;
  private final PortIdentity identity;
  private final NodeCalls calls;
  private final LagCalls lag;
  private final String host;
  private final int port;
  private volatile HttpServer server;
  private volatile long renewal = -1;
  private volatile boolean stopped;

  public NodeServer(
      Vertx vertx,
      MeshCa ca,
      NodeRecords records,
      BootstrapTokens tokens,
      NodeLifecycle lifecycle,
      String host,
      int port,
      Duration certificateTtl,
      Duration heartbeat,
      Consumer<Stat> stats,
      java.util.function.Function<String, Future<io.vertx.core.buffer.Buffer>> modules,
      dev.skiff.controlplane.nodes.RemoteInstances remote,
      java.util.function.BiConsumer<String, String> pokes,
      RevisionStatuses statuses,
      dev.skiff.controlplane.nodes.EnvValues env,
      Clock clock,
      dev.skiff.controlplane.nodes.LagReports lagReports) {
    this.vertx = vertx;
    this.identity = new PortIdentity(vertx, ca, certificateTtl, clock);
    this.calls =
        new NodeCalls(
            records,
            tokens,
            ca,
            lifecycle,
            certificateTtl,
            heartbeat,
            stats,
            modules,
            remote,
            pokes,
            statuses,
            env);
    this.lag = new LagCalls(ca.trustDomain(), lagReports);
    this.host = host;
    this.port = port;
  }

  public Future<Void> start() {
    GrpcServer grpc = GrpcServer.server(vertx);
    calls.bind(grpc);
    lag.bind(grpc);
    return identity
        .issue()
        .compose(
            ssl -> {
              HttpServerOptions o =
                  new HttpServerOptions()
                      .setHost(host)
                      .setPort(port)
                      .setSsl(true)
                      .setUseAlpn(true)
                      .setKeyCertOptions(ssl.getKeyCertOptions())
                      .setTrustOptions(ssl.getTrustOptions())
                      .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
              o.setClientAuth(ssl.getClientAuth());
              return vertx.createHttpServer(o).requestHandler(grpc).listen();
            })
        .map(
            s -> {
              server = s;
              LOG.log(
                  System.Logger.Level.INFO,
                  "node port listening on " + host + ":" + s.actualPort() + " (TLS 1.3, gRPC)");
              scheduleRenewal();
              return null;
            });
  }

  private void scheduleRenewal() {
    if (stopped) {
      return;
    }
    renewal =
        vertx.setTimer(
            Math.max(1, identity.renewIn().toMillis()),
            id ->
                identity
                    .issue()
                    .compose(ssl -> server.updateSSLOptions(ssl))
                    .onComplete(
                        ar -> {
                          if (ar.failed()) {
                            LOG.log(
                                System.Logger.Level.WARNING,
                                "could not renew the node port's certificate; retrying",
                                ar.cause());
                          }
                          scheduleRenewal();
                        }));
  }

  public int actualPort() {
    HttpServer s = server;
    return s == null ? -1 : s.actualPort();
  }

  public Future<Void> stop() {
    stopped = true;
    calls.stopping();
    if (renewal >= 0) {
      vertx.cancelTimer(renewal);
    }
    HttpServer s = server;
    return s == null ? Future.succeededFuture() : s.close();
  }
}
