package dev.skiff.nodeagent;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.EnvSourceKind;
import dev.skiff.api.node.v1.GetEnvSourceRequest;
import dev.skiff.api.node.v1.GetModuleRequest;
import dev.skiff.api.node.v1.GetRevisionRequest;
import dev.skiff.api.node.v1.InstanceReport;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.RevisionResponse;
import dev.skiff.api.node.v1.RevisionState;
import dev.skiff.api.node.v1.RouteUpdate;
import dev.skiff.api.node.v1.SignWorkloadRequest;
import dev.skiff.api.node.v1.StatsReport;
import dev.skiff.api.node.v1.WatchRoutesRequest;
import dev.skiff.api.stats.Stat;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.ControlPlaneTrust;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The calls a node makes for its work, over the link's current mTLS connection: a revision it is
 * assigned (with its service), a module by digest, its sidecars' certificates, and its reports. The
 * control plane answers only for what the node is assigned (PERMISSION_DENIED otherwise).
 */
public final class WorkCalls {
  private final Supplier<GrpcClient> client;
  private final Supplier<SocketAddress> server;
  private final String trustDomain;
  private final String nodeName;
  private final Duration timeout;

  WorkCalls(
      Supplier<GrpcClient> client,
      Supplier<SocketAddress> server,
      String trustDomain,
      String nodeName,
      Duration timeout) {
    this.client = client;
    this.server = server;
    this.trustDomain = trustDomain;
    this.nodeName = nodeName;
    this.timeout = timeout;
  }

  /** The revision and its service, as JSON resources. */
  public Future<RevisionResponse> revision(String namespace, String revision) {
    return unary(
        NodeServiceGrpcClient.GetRevision,
        GetRevisionRequest.newBuilder()
            .setNodeName(nodeName)
            .setNamespace(namespace)
            .setRevision(revision)
            .build());
  }

  /**
   * The module's bytes as streamed; fails past {@code maxBytes}. The caller checks the digest.
   * Bounded by the call timeout per chunk's wait, not the whole transfer.
   */
  public Future<Buffer> module(String digest, long maxBytes) {
    GrpcClient c = client.get();
    if (c == null) {
      return Future.failedFuture(new NodeAgentException("not connected to the control plane"));
    }
    return c.request(server.get(), NodeServiceGrpcClient.GetModule)
        .compose(
            req -> {
              try {
                ControlPlaneTrust.check(req.connection(), trustDomain);
              } catch (RuntimeException e) {
                req.cancel();
                return Future.failedFuture(e);
              }
              req.end(
                  GetModuleRequest.newBuilder().setNodeName(nodeName).setDigest(digest).build());
              return req.response();
            })
        .compose(
            resp -> {
              Promise<Buffer> done = Promise.promise();
              Buffer bytes = Buffer.buffer();
              resp.handler(
                  chunk -> {
                    if (done.future().isComplete()) {
                      return; // over the limit already: the rest is dropped
                    }
                    if (bytes.length() + chunk.getData().size() > maxBytes) {
                      done.tryFail(
                          new NodeAgentException(
                              "module " + digest + " is larger than " + maxBytes + " bytes"));
                      return;
                    }
                    bytes.appendBytes(chunk.getData().toByteArray());
                  });
              resp.exceptionHandler(done::tryFail);
              resp.end()
                  .onComplete(
                      ar -> {
                        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
                          done.tryFail(
                              new Calls.StatusException(resp.status(), resp.statusMessage()));
                        } else if (ar.failed()) {
                          done.tryFail(ar.cause());
                        } else {
                          done.tryComplete(bytes);
                        }
                      });
              return done.future();
            });
  }

  /** Has the mesh CA sign {@code csrPem} for the service's identity. */
  public Future<IssuedCertificate> signWorkload(
      String namespace, String service, String csrPem, Duration ttl) {
    return unary(
            NodeServiceGrpcClient.SignWorkload,
            SignWorkloadRequest.newBuilder()
                .setNodeName(nodeName)
                .setNamespace(namespace)
                .setService(service)
                .setCsrPem(csrPem)
                .setTtlSeconds(ttl == null ? 0 : ttl.toSeconds())
                .build())
        .map(WorkCalls::issued);
  }

  /** A certificate response as api's {@link IssuedCertificate}. */
  static IssuedCertificate issued(dev.skiff.api.node.v1.CertificateResponse r) {
    List<X509Certificate> chain = ControlPlaneTrust.certificates(r.getCertificateChainPem());
    return new IssuedCertificate(
        r.getSpiffeId(),
        r.getCertificateChainPem(),
        r.getTrustBundlePem(),
        chain.isEmpty() ? null : chain.get(0).getNotBefore().toInstant(),
        StatMessages.instant(r.getNotAfter()),
        chain.isEmpty() ? null : chain.get(0).getSerialNumber().toString(16));
  }

  /**
   * The values of secret ({@code secret} true) or config map {@code namespace/name}, which an
   * assigned revision takes env from; empty when it does not exist.
   */
  public Future<Optional<Map<String, String>>> envSource(
      String namespace, boolean secret, String name) {
    return unary(
            NodeServiceGrpcClient.GetEnvSource,
            GetEnvSourceRequest.newBuilder()
                .setNodeName(nodeName)
                .setNamespace(namespace)
                .setKind(
                    secret
                        ? EnvSourceKind.ENV_SOURCE_KIND_SECRET
                        : EnvSourceKind.ENV_SOURCE_KIND_CONFIG_MAP)
                .setName(name)
                .build())
        .map(r -> r.getFound() ? Optional.of(Map.copyOf(r.getValuesMap())) : Optional.empty());
  }

  /** The node's instances now (the whole set). */
  public Future<Void> reportInstances(List<InstanceStatus> instances) {
    return reportInstances(instances, List.of());
  }

  /** The node's instances and its revisions' statuses now (the whole sets). */
  public Future<Void> reportInstances(List<InstanceStatus> instances, List<RevisionState> states) {
    return unary(
            NodeServiceGrpcClient.ReportInstances,
            InstanceReport.newBuilder()
                .setNodeName(nodeName)
                .addAllInstances(instances)
                .addAllRevisions(states)
                .build())
        .mapEmpty();
  }

  /** Stats for the autoscaler. */
  public Future<Void> reportStats(List<Stat> stats) {
    StatsReport.Builder b = StatsReport.newBuilder().setNodeName(nodeName);
    stats.forEach(s -> b.addStats(StatMessages.toMessage(s)));
    return unary(NodeServiceGrpcClient.ReportStats, b.build()).mapEmpty();
  }

  /**
   * Opens WatchRoutes: each update goes to {@code handler} (on the link's event loop); the answer
   * completes when the stream ends, failed when it broke or the control plane ended it with an
   * error, and fails at once when there is no connection.
   */
  public Future<Void> watchRoutes(Handler<RouteUpdate> handler) {
    GrpcClient c = client.get();
    if (c == null) {
      return Future.failedFuture(new NodeAgentException("not connected to the control plane"));
    }
    return c.request(server.get(), NodeServiceGrpcClient.WatchRoutes)
        .compose(
            req -> {
              try {
                ControlPlaneTrust.check(req.connection(), trustDomain);
              } catch (RuntimeException e) {
                req.cancel();
                return Future.failedFuture(e);
              }
              req.end(WatchRoutesRequest.newBuilder().setNodeName(nodeName).build());
              return req.response();
            })
        .compose(
            resp -> {
              Promise<Void> done = Promise.promise();
              resp.handler(handler);
              resp.exceptionHandler(done::tryFail);
              resp.end()
                  .onComplete(
                      ar -> {
                        if (ar.failed()) {
                          done.tryFail(ar.cause());
                        } else {
                          done.tryFail(
                              new Calls.StatusException(
                                  resp.status() == null ? GrpcStatus.UNKNOWN : resp.status(),
                                  "the route stream ended: " + resp.statusMessage()));
                        }
                      });
              return done.future();
            });
  }

  private <Req, Resp> Future<Resp> unary(
      io.vertx.grpc.common.ServiceMethod<Resp, Req> method, Req request) {
    GrpcClient c = client.get();
    if (c == null) {
      return Future.failedFuture(new NodeAgentException("not connected to the control plane"));
    }
    return Calls.unary(c, server.get(), trustDomain, method, request, timeout.toMillis());
  }
}
