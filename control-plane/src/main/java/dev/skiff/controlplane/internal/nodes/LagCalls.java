package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.LagReport;
import dev.skiff.api.node.v1.NodeServiceGrpcService;
import dev.skiff.api.node.v1.ReportResponse;
import dev.skiff.api.node.v1.TriggerLag;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.nodes.LagReports;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The node port's call for eventing processes ({@code skiffd --roles eventing}): ReportLag, a
 * dispatcher's lag per trigger, handed to the autoscaler's lag floor. Only a caller with eventing's
 * certificate ({@code spiffe://{td}/skiff/eventing}, from BootstrapComponent) may report; every
 * field is checked before anything is handed on.
 */
final class LagCalls {
  private static final System.Logger LOG = System.getLogger(LagCalls.class.getName());

  /** Triggers one report may carry. */
  static final int MAX_TRIGGERS = 1_000;

  /** Partitions one trigger's lag may claim (caps the instances it may ask for). */
  static final int MAX_PARTITIONS = 10_000;

  private final String trustDomain;
  private final LagReports sink;

  LagCalls(String trustDomain, LagReports sink) {
    this.trustDomain = trustDomain;
    this.sink = sink;
  }

  /** Binds ReportLag on {@code server}. */
  void bind(GrpcServer server) {
    server.callHandler(
        NodeServiceGrpcService.ReportLag,
        req ->
            req.last()
                .compose(
                    m -> {
                      try {
                        return report(req.connection(), m);
                      } catch (RuntimeException e) {
                        return Future.failedFuture(e);
                      }
                    })
                .onSuccess(resp -> req.response().send(resp))
                .onFailure(e -> fail(req, e)));
  }

  /** ReportLag: every trigger's lag checked, then handed to the sink. */
  Future<ReportResponse> report(HttpConnection conn, LagReport m) {
    requireEventing(conn);
    String dispatcher = m.getDispatcherName();
    if (!Names.isDnsLabel(dispatcher)) {
      throw refused("dispatcher_name '" + dispatcher + "' is not a DNS label", Names.DNS_HINT);
    }
    if (m.getTriggersCount() > MAX_TRIGGERS) {
      throw refused(
          m.getTriggersCount() + " triggers in one report, more than " + MAX_TRIGGERS,
          "send at most " + MAX_TRIGGERS + " per report");
    }
    for (int i = 0; i < m.getTriggersCount(); i++) {
      check(i, m.getTriggers(i));
    }
    for (TriggerLag t : m.getTriggersList()) {
      sink.onLag(
          dispatcher,
          t.getNamespace(),
          t.getService(),
          t.getTrigger(),
          t.getLag(),
          t.getPartitions(),
          t.getLagThreshold());
    }
    return Future.succeededFuture(ReportResponse.getDefaultInstance());
  }

  private static void check(int i, TriggerLag t) {
    String at = "triggers[" + i + "]";
    if (!Names.isDnsLabel(t.getNamespace())
        || !Names.isDnsLabel(t.getService())
        || !Names.isDnsLabel(t.getTrigger())) {
      throw refused(
          at
              + ": namespace '"
              + t.getNamespace()
              + "', service '"
              + t.getService()
              + "' and trigger '"
              + t.getTrigger()
              + "' must each be a DNS label",
          "send the trigger's namespace, its target service and its name");
    }
    if (t.getLag() < 0 || t.getPartitions() < 0 || t.getPartitions() > MAX_PARTITIONS) {
      throw refused(
          at + ": lag " + t.getLag() + " and partitions " + t.getPartitions() + " out of range",
          "send lag >= 0 and 0 <= partitions <= " + MAX_PARTITIONS);
    }
    if (t.getLagThreshold() < 1) {
      throw refused(
          at + ": lag_threshold " + t.getLagThreshold() + " is below 1",
          "send the trigger's lagThreshold (default 10)");
    }
  }

  private void requireEventing(HttpConnection conn) {
    List<String> uris = peerUris(conn);
    SpiffeId expected = SpiffeId.component(trustDomain, "eventing");
    if (uris.size() != 1 || !uris.get(0).equals(expected.uri())) {
      throw new CallRefusedException(
          GrpcStatus.PERMISSION_DENIED,
          "only eventing reports lag; the caller's certificate names " + uris,
          "call with eventing's certificate from BootstrapComponent (" + expected.uri() + ")");
    }
  }

  private static List<String> peerUris(HttpConnection conn) {
    List<Certificate> chain;
    try {
      chain = conn.isSsl() ? conn.peerCertificates() : null;
    } catch (SSLPeerUnverifiedException e) {
      chain = null;
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      throw new CallRefusedException(
          GrpcStatus.UNAUTHENTICATED,
          "ReportLag needs the caller's certificate, and the caller presented none",
          "bootstrap first (BootstrapComponent for eventing with a bootstrap token)");
    }
    List<String> uris = new ArrayList<>();
    try {
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() == 2 && Integer.valueOf(6).equals(san.get(0))) {
            uris.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      uris.clear();
    }
    return uris;
  }

  private static CallRefusedException refused(String message, String hint) {
    return new CallRefusedException(GrpcStatus.INVALID_ARGUMENT, message, hint);
  }

  private static void fail(GrpcServerRequest<?, ?> req, Throwable e) {
    if (e instanceof CallRefusedException r) {
      req.response().status(r.status()).statusMessage(r.getMessage() + " (" + r.hint() + ")").end();
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "ReportLag failed", e);
    req.response().status(GrpcStatus.INTERNAL).statusMessage(String.valueOf(e.getMessage())).end();
  }
}
