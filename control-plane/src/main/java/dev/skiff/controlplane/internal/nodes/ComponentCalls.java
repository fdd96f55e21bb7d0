package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.ActivatorStatsReport;
import dev.skiff.api.node.v1.CertificateResponse;
import dev.skiff.api.node.v1.ComponentCertificateRequest;
import dev.skiff.api.node.v1.PokeRequest;
import dev.skiff.api.node.v1.ReportResponse;
import dev.skiff.api.stats.InvalidStatException;
import dev.skiff.api.stats.Stat;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.mesh.MeshCa;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The node port's calls for edge processes ({@code skiffd --roles gateway,activator}): a bootstrap
 * token not bound to a node buys a gateway or activator certificate (the key stays in the edge);
 * with that certificate the edge gets its other component's and renewals, and its activator reports
 * stats and pokes the autoscaler. A node's certificate opens none of these, and an edge's none of
 * the node's calls.
 */
final class ComponentCalls {
  private static final System.Logger LOG = System.getLogger(ComponentCalls.class.getName());
  // eventing: a dispatcher apart (skiffd --roles eventing), for its ReportLag calls (LagCalls).
  private static final Set<String> EDGE_COMPONENTS = Set.of("gateway", "activator", "eventing");

  private final BootstrapTokens tokens;
  private final MeshCa ca;
  private final Duration certificateTtl;
  private final Consumer<Stat> stats;
  private final BiConsumer<String, String> pokes;

  ComponentCalls(
      BootstrapTokens tokens,
      MeshCa ca,
      Duration certificateTtl,
      Consumer<Stat> stats,
      BiConsumer<String, String> pokes) {
    this.tokens = tokens;
    this.ca = ca;
    this.certificateTtl = certificateTtl;
    this.stats = stats;
    this.pokes = pokes;
  }

  /** BootstrapComponent: the token instead of a client certificate. */
  Future<CertificateResponse> bootstrap(ComponentCertificateRequest m) {
    SpiffeId id = component(m);
    return tokens
        .checkForEdge(m.getToken())
        .compose(v -> issue(id, m))
        .onSuccess(
            c ->
                LOG.log(
                    System.Logger.Level.INFO,
                    "edge " + edgeName(m) + " bootstrapped as " + id.uri()));
  }

  /** SignComponent: another gateway or activator certificate for an edge that holds one. */
  Future<CertificateResponse> sign(HttpConnection conn, ComponentCertificateRequest m) {
    PeerNode.componentOf(conn, ca.trustDomain());
    return issue(component(m), m);
  }

  /** ReportActivatorStats: handed to the autoscaler as the in-process activator's are. */
  Future<ReportResponse> stats(HttpConnection conn, ActivatorStatsReport m) {
    requireActivator(conn);
    List<Stat> parsed = new ArrayList<>();
    for (int i = 0; i < m.getStatsCount(); i++) {
      Stat s;
      try {
        s = StatMessages.fromMessage(m.getStats(i));
      } catch (InvalidStatException e) {
        throw new CallRefusedException(
            GrpcStatus.INVALID_ARGUMENT,
            "stats[" + i + "]: " + e.getMessage(),
            "send every stat with namespace, revision, instance, time and counts >= 0");
      }
      if (!s.fromActivator()) {
        throw new CallRefusedException(
            GrpcStatus.INVALID_ARGUMENT,
            "stats[" + i + "] is for instance '" + s.instance() + "'",
            "an activator reports with instance '" + Stat.ACTIVATOR + "' only");
      }
      parsed.add(s);
    }
    parsed.forEach(stats);
    return Future.succeededFuture(ReportResponse.getDefaultInstance());
  }

  /** Poke: the autoscaler decides for the revision now. */
  Future<ReportResponse> poke(HttpConnection conn, PokeRequest m) {
    requireActivator(conn);
    if (!Names.isDnsLabel(m.getNamespace()) || m.getRevision().isEmpty()) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "poke needs a namespace and a revision, got '"
              + m.getNamespace()
              + "' and '"
              + m.getRevision()
              + "'",
          "send the revision's namespace and name");
    }
    pokes.accept(m.getNamespace(), m.getRevision());
    return Future.succeededFuture(ReportResponse.getDefaultInstance());
  }

  private void requireActivator(HttpConnection conn) {
    String c = PeerNode.componentOf(conn, ca.trustDomain());
    if (!"activator".equals(c)) {
      throw new CallRefusedException(
          GrpcStatus.PERMISSION_DENIED,
          "only an activator reports stats and pokes; the caller is the " + c,
          "call with the activator's certificate");
    }
  }

  private Future<CertificateResponse> issue(SpiffeId id, ComponentCertificateRequest m) {
    Duration ttl =
        m.getTtlSeconds() > 0 ? Duration.ofSeconds(m.getTtlSeconds()) : this.certificateTtl;
    return ca.issue(m.getCsrPem(), id, ttl).map(NodeCalls::response);
  }

  private SpiffeId component(ComponentCertificateRequest m) {
    if (!EDGE_COMPONENTS.contains(m.getComponent())) {
      throw new CallRefusedException(
          GrpcStatus.INVALID_ARGUMENT,
          "'" + m.getComponent() + "' is not a component an edge may hold",
          "ask for gateway, activator or eventing");
    }
    return SpiffeId.component(ca.trustDomain(), m.getComponent());
  }

  private static String edgeName(ComponentCertificateRequest m) {
    return Names.isDnsLabel(m.getEdgeName()) ? m.getEdgeName() : "(unnamed)";
  }
}
