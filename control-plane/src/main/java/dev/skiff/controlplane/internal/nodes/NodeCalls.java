package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.node.RevisionStates;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.Assignment;
import dev.skiff.api.node.v1.AssignmentSet;
import dev.skiff.api.node.v1.BootstrapRequest;
import dev.skiff.api.node.v1.Capacity;
import dev.skiff.api.node.v1.CertificateResponse;
import dev.skiff.api.node.v1.HeartbeatResponse;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.node.v1.NodeServiceGrpcService;
import dev.skiff.api.node.v1.RegisterRequest;
import dev.skiff.api.node.v1.RegisterResponse;
import dev.skiff.api.node.v1.ReportResponse;
import dev.skiff.api.node.v1.RevisionState;
import dev.skiff.api.node.v1.WorkloadKind;
import dev.skiff.api.stats.InvalidStatException;
import dev.skiff.api.stats.Stat;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.CertificateRequestException;
import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.UnauthorizedException;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The node service's calls (node.proto's {@code NodeService}), bound to a Vert.x gRPC server. Every
 * call but Bootstrap first checks that the caller's certificate names the node the request speaks
 * for ({@link PeerNode}); failures answer a gRPC status whose message says what to fix.
 */
final class NodeCalls {
  private static final System.Logger LOG = System.getLogger(NodeCalls.class.getName());
  private static final int MAX_REVISION_STATES = 10_000;
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,255}");

  private final NodeRecords records;
  private final BootstrapTokens tokens;
  private final MeshCa ca;
  private final NodeLifecycle lifecycle;
  private final Duration certificateTtl;
  private final Duration heartbeat;
  private final Consumer<Stat> stats;
  private final NodeWorkCalls work;
  private final RemoteInstances remote;
  private final ComponentCalls components;
  private final RevisionStatuses statuses;
  private final Disconnects disconnects;
  private final RouteWatchCalls routes;

  NodeCalls(
      NodeRecords records,
      BootstrapTokens tokens,
      MeshCa ca,
      NodeLifecycle lifecycle,
      Duration certificateTtl,
      Duration heartbeat,
      Consumer<Stat> stats,
      Function<String, Future<Buffer>> modules,
      RemoteInstances remote,
      java.util.function.BiConsumer<String, String> pokes,
      RevisionStatuses statuses,
      dev.skiff.controlplane.nodes.EnvValues env) {
    this.records = records;
    this.tokens = tokens;
    this.ca = ca;
    this.lifecycle = lifecycle;
    this.certificateTtl = certificateTtl;
    this.heartbeat = heartbeat;
    this.stats = stats;
    this.work = new NodeWorkCalls(records, ca, modules, env);
    this.remote = remote;
    this.components = new ComponentCalls(tokens, ca, certificateTtl, stats, pokes);
    this.statuses = statuses;
    this.disconnects = new Disconnects(records);
    this.routes = new RouteWatchCalls(records);
  }

  void bind(GrpcServer server) {
    unary(server, NodeServiceGrpcService.Bootstrap, (req, m) -> bootstrap(m));
    unary(
        server,
        NodeServiceGrpcService.RenewCertificate,
        (req, m) -> {
          String node = caller(req, m.getNodeName());
          return certificate(node, m.getCsrPem());
        });
    unary(
        server,
        NodeServiceGrpcService.Register,
        (req, m) -> register(caller(req, m.getNodeName()), m));
    unary(
        server,
        NodeServiceGrpcService.Heartbeat,
        (req, m) -> {
          String node = caller(req, m.getNodeName());
          lifecycle.caches().held(node, m.getCachedList());
          return lifecycle
              .heartbeat(node)
              .map(
                  spec ->
                      HeartbeatResponse.newBuilder()
                          .setLeaseMillis(lifecycle.lease().toMillis())
                          .setCordoned(Boolean.TRUE.equals(spec.cordoned()))
                          .setDraining(Boolean.TRUE.equals(spec.drain()))
                          .build());
        });
    unary(
        server,
        NodeServiceGrpcService.ReportInstances,
        (req, m) -> {
          String node = caller(req, m.getNodeName());
          Map<String, RevisionStatus> states = revisionStates(m.getRevisionsList());
          List<NodeRecords.InstanceRecord> list = new ArrayList<>();
          for (InstanceStatus s : m.getInstancesList()) {
            list.add(
                new NodeRecords.InstanceRecord(
                    s.getNamespace(),
                    s.getRevision(),
                    s.getInstance(),
                    s.getState().name().replace("INSTANCE_STATE_", ""),
                    s.getEndpoint().isEmpty() ? null : s.getEndpoint(),
                    s.getIdentity().isEmpty() ? null : s.getIdentity(),
                    s.getMessage().isEmpty() ? null : s.getMessage()));
          }
          return records
              .saveInstances(node, list)
              .compose(revision -> disconnects.reported(node, revision))
              .compose(live -> live ? forward(node, list, states) : Future.<Void>succeededFuture())
              .map(v -> ReportResponse.getDefaultInstance());
        });
    unary(
        server,
        NodeServiceGrpcService.GetRevision,
        (req, m) -> work.revision(caller(req, m.getNodeName()), m));
    unary(
        server,
        NodeServiceGrpcService.SignWorkload,
        (req, m) -> work.sign(caller(req, m.getNodeName()), m));
    unary(
        server,
        NodeServiceGrpcService.GetEnvSource,
        (req, m) -> work.envSource(caller(req, m.getNodeName()), m));
    server.callHandler(
        NodeServiceGrpcService.GetModule,
        req ->
            req.last()
                .compose(m -> work.module(caller(req, m.getNodeName()), m))
                .onSuccess(bytes -> NodeWorkCalls.stream(req, bytes))
                .onFailure(e -> fail(req, e)));
    unary(
        server,
        NodeServiceGrpcService.ReportStats,
        (req, m) -> {
          caller(req, m.getNodeName());
          List<Stat> parsed = new ArrayList<>();
          for (int i = 0; i < m.getStatsCount(); i++) {
            try {
              parsed.add(StatMessages.fromMessage(m.getStats(i)));
            } catch (InvalidStatException e) {
              throw new CallRefusedException(
                  GrpcStatus.INVALID_ARGUMENT,
                  "stats[" + i + "]: " + e.getMessage(),
                  "send every stat with namespace, revision, instance, time and counts >= 0");
            }
          }
          parsed.forEach(stats);
          return Future.succeededFuture(ReportResponse.getDefaultInstance());
        });
    server.callHandler(NodeServiceGrpcService.WatchAssignments, this::watchAssignments);
    // What the node's mesh callers route by (RouteWatchCalls).
    server.callHandler(
        NodeServiceGrpcService.WatchRoutes,
        req ->
            req.last()
                .onFailure(e -> fail(req, e))
                .onSuccess(
                    m -> {
                      try {
                        routes.watch(caller(req, m.getNodeName()), req);
                      } catch (RuntimeException e) {
                        fail(req, e);
                      }
                    }));
    // Edge processes (gateway and activator apart from the control plane).
    unary(server, NodeServiceGrpcService.BootstrapComponent, (req, m) -> components.bootstrap(m));
    unary(
        server,
        NodeServiceGrpcService.SignComponent,
        (req, m) -> components.sign(req.connection(), m));
    unary(
        server,
        NodeServiceGrpcService.ReportActivatorStats,
        (req, m) -> components.stats(req.connection(), m));
    unary(server, NodeServiceGrpcService.Poke, (req, m) -> components.poke(req.connection(), m));
  }

  /**
   * Hands a live node's report to {@link RemoteInstances}, keeping only what it holds ({@link
   * ReportFilter}). A report from a node without its lease is stored but not followed.
   */
  private Future<Void> forward(
      String node, List<NodeRecords.InstanceRecord> reported, Map<String, RevisionStatus> states) {
    if (!lifecycle.live(node)) {
      return Future.succeededFuture();
    }
    return Future.all(records.node(node), records.assignments(node))
        .map(
            both -> {
              var n = both.<java.util.Optional<dev.skiff.api.model.Node>>resultAt(0);
              List<NodeRecords.AssignmentRecord> assigned = both.resultAt(1);
              String address = n.map(x -> x.spec().address()).orElse(null);
              remote.reported(node, ReportFilter.apply(node, address, assigned, reported));
              Map<String, RevisionStatus> held = new HashMap<>();
              states.forEach(
                  (key, status) -> {
                    if (assigned.stream()
                        .anyMatch(a -> key.equals(a.namespace() + "/" + a.revision()))) {
                      held.put(key, status);
                    }
                  });
              statuses.reported(node, held);
              return null;
            });
  }

  /** The report's revision states by {@code ns/revision}; INVALID_ARGUMENT naming a bad one. */
  private static Map<String, RevisionStatus> revisionStates(List<RevisionState> list) {
    if (list.size() > MAX_REVISION_STATES) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "a report holds at most " + MAX_REVISION_STATES + " revisions, got " + list.size(),
          "report only the revisions assigned to the node");
    }
    Map<String, RevisionStatus> out = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      RevisionState r = list.get(i);
      try {
        out.put(r.getNamespace() + "/" + r.getRevision(), RevisionStates.fromMessage(r));
      } catch (InvalidStatException e) {
        throw new CallRefusedException(
            GrpcStatus.INVALID_ARGUMENT,
            "revisions[" + i + "]: " + e.getMessage(),
            "send each revision's status as the node's runtime computes it");
      }
    }
    return out;
  }

  private Future<CertificateResponse> bootstrap(BootstrapRequest m) {
    String node = m.getNodeName();
    if (!Names.isDnsLabel(node)) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "'" + node + "' is not a valid node name",
          "use --node-name with " + Names.DNS_HINT);
    }
    return tokens
        .check(m.getToken(), node)
        .compose(v -> certificate(node, m.getCsrPem()))
        .onSuccess(c -> LOG.log(System.Logger.Level.INFO, "node " + node + " bootstrapped"));
  }

  private Future<CertificateResponse> certificate(String node, String csr) {
    return ca.issue(csr, SpiffeId.node(ca.trustDomain(), node), certificateTtl)
        .map(NodeCalls::response);
  }

  static CertificateResponse response(IssuedCertificate c) {
    return CertificateResponse.newBuilder()
        .setSpiffeId(c.spiffeId())
        .setCertificateChainPem(c.certificateChain())
        .setTrustBundlePem(c.trustBundle())
        .setNotAfter(StatMessages.timestamp(c.notAfter()))
        .build();
  }

  private Future<RegisterResponse> register(String node, RegisterRequest m) {
    Capacity c = m.getCapacity();
    if (c.getCpuMillis() <= 0 || c.getMemoryBytes() <= 0) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "capacity must give cpu_millis and memory_bytes above 0, got "
              + c.getCpuMillis()
              + " and "
              + c.getMemoryBytes(),
          "start the agent with --cpu and --memory, or let it read the machine's");
    }
    if (m.getAddressesCount() == 0 || !HOST.matcher(m.getAddresses(0)).matches()) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "addresses must start with the host where the node's instances are reached, got "
              + m.getAddressesList(),
          "start the agent with --advertise-address HOST");
    }
    List<String> runtimes = new ArrayList<>();
    for (WorkloadKind k : m.getKindsList()) {
      switch (k) {
        case WORKLOAD_KIND_WASM -> runtimes.add("wasm");
        case WORKLOAD_KIND_OCI -> runtimes.add("container");
        default ->
            throw new CallRefusedException(
                GrpcStatus.INVALID_ARGUMENT,
                "kinds holds " + k + ", which is not a workload kind",
                "send WORKLOAD_KIND_WASM and/or WORKLOAD_KIND_OCI");
      }
    }
    NodeSpec offered =
        new NodeSpec(
            m.getAddresses(0),
            new Resources(Long.toString(c.getMemoryBytes()), c.getCpuMillis() + "m"),
            runtimes);
    lifecycle.caches().held(node, m.getCachedList());
    return lifecycle
        .register(node, offered)
        .map(
            n ->
                RegisterResponse.newBuilder()
                    .setLeaseMillis(lifecycle.lease().toMillis())
                    .setHeartbeatIntervalMillis(heartbeat.toMillis())
                    .build());
  }

  /** The whole set now, then again at each change of the node's assignments key. */
  private void watchAssignments(
      GrpcServerRequest<dev.skiff.api.node.v1.WatchAssignmentsRequest, AssignmentSet> req) {
    req.last()
        .onFailure(e -> fail(req, e))
        .onSuccess(
            m -> {
              String node;
              try {
                node = caller(req, m.getNodeName());
              } catch (RuntimeException e) {
                fail(req, e);
                return;
              }
              String key = NodeRecords.ASSIGNMENTS + node;
              records
                  .store()
                  .listing(key)
                  .onFailure(e -> fail(req, e))
                  .onSuccess(
                      listing -> {
                        List<NodeRecords.AssignmentRecord> now =
                            listing.items().stream()
                                .filter(e -> e.key().equals(key))
                                .findFirst()
                                .map(NodeRecords::assignments)
                                .orElse(List.of());
                        req.response().write(set(now, listing.revision()));
                        Watch w =
                            records
                                .store()
                                .watch(
                                    key,
                                    listing.revision(),
                                    ev -> {
                                      if (ev.entry().key().equals(key)) {
                                        req.response().write(set(assignments(ev), ev.revision()));
                                      }
                                    });
                        req.response().exceptionHandler(e -> w.cancel());
                        req.exceptionHandler(e -> w.cancel());
                        // The node's connection gone (its process killed, say): its instances
                        // take no more requests until it reports again, well before its lease
                        // runs out, here and (its stored report deleted) on every edge.
                        long watch = disconnects.watching(node);
                        req.connection()
                            .closeHandler(
                                v -> {
                                  w.cancel();
                                  if (disconnects.closed(node, watch)) {
                                    remote.lost(node); // its say in revision status too
                                  }
                                });
                      });
            });
  }

  /** The node port is stopping: the connections it closes say nothing about their nodes. */
  void stopping() {
    disconnects.stopping();
  }

  private static List<NodeRecords.AssignmentRecord> assignments(StoreEvent ev) {
    return ev.type() == StoreEvent.Type.DELETE ? List.of() : NodeRecords.assignments(ev.entry());
  }

  static AssignmentSet set(List<NodeRecords.AssignmentRecord> list, long revision) {
    AssignmentSet.Builder b = AssignmentSet.newBuilder().setRevision(revision);
    for (NodeRecords.AssignmentRecord a : list) {
      b.addAssignments(
          Assignment.newBuilder()
              .setNamespace(a.namespace())
              .setRevision(a.revision())
              .setInstance(a.instance())
              .setKind(
                  "container".equals(a.kind())
                      ? WorkloadKind.WORKLOAD_KIND_OCI
                      : WorkloadKind.WORKLOAD_KIND_WASM)
              .setRequests(
                  Capacity.newBuilder()
                      .setCpuMillis(a.cpuMillis())
                      .setMemoryBytes(a.memoryBytes())));
    }
    return b.build();
  }

  private String caller(GrpcServerRequest<?, ?> req, String claimed) {
    PeerNode.require(req.connection(), ca.trustDomain(), claimed);
    return claimed;
  }

  private <Req, Resp> void unary(
      GrpcServer server,
      ServiceMethod<Req, Resp> method,
      BiFunction<GrpcServerRequest<Req, Resp>, Req, Future<Resp>> body) {
    server.callHandler(
        method,
        req ->
            req.last()
                .compose(
                    m -> {
                      try {
                        return body.apply(req, m);
                      } catch (RuntimeException e) {
                        return Future.failedFuture(e);
                      }
                    })
                .onSuccess(resp -> req.response().send(resp))
                .onFailure(e -> fail(req, e)));
  }

  private static void fail(GrpcServerRequest<?, ?> req, Throwable e) {
    GrpcStatus status =
        e instanceof CallRefusedException r
            ? r.status()
            : e instanceof UnauthorizedException
                ? GrpcStatus.UNAUTHENTICATED
                : e instanceof NotFoundException
                    ? GrpcStatus.FAILED_PRECONDITION
                    : e instanceof CertificateRequestException
                        ? GrpcStatus.INVALID_ARGUMENT
                        : GrpcStatus.INTERNAL;
    String message = e.getMessage();
    if (e instanceof ControlPlaneException c && c.hint() != null) {
      message = message + " (" + c.hint() + ")";
    }
    if (status == GrpcStatus.INTERNAL) {
      LOG.log(System.Logger.Level.WARNING, "node call " + req.fullMethodName() + " failed", e);
    }
    req.response().status(status).statusMessage(message).end();
  }
}
