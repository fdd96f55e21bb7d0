package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import dev.skiff.api.mesh.CertificateRequest;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.validation.Durations;
import dev.skiff.controlplane.CertificateRequestException;
import dev.skiff.controlplane.mesh.MeshCa;
import java.time.Duration;

/**
 * {@code /v1/mesh}: the CA's trust bundle, certificates for SPIFFE identities, its status and root
 * rotation. Who may call which is {@link dev.skiff.controlplane.internal.auth.AccessPolicy}'s.
 */
final class MeshRoutes {
  /** The body of {@code POST /v1/mesh/rotate-root}; {@code finish} drops the old root now. */
  record RotateRequest(Boolean finish) {}

  private static final long REQUEST_LIMIT = 16 * 1024;

  private final MeshCa ca;

  MeshRoutes(MeshCa ca) {
    this.ca = ca;
  }

  void register(Routes routes) {
    routes
        .on(GET, "/v1/mesh/ca", ctx -> io.vertx.core.Future.succeededFuture(bundle()))
        .on(GET, "/v1/mesh/status", ctx -> ca.status().map(Reply::ok))
        .on(
            POST,
            "/v1/mesh/certificates",
            ctx ->
                Bodies.read(ctx.request(), REQUEST_LIMIT, "a certificate request is one PEM CSR")
                    .map(body -> Parsing.json(body, CertificateRequest.class))
                    .compose(r -> ca.issue(r.csr(), identity(r), ttl(r.ttl())))
                    .map(Reply::created))
        .on(
            POST,
            "/v1/mesh/rotate-root",
            ctx ->
                Bodies.read(ctx.request(), 4096, "send {} or {\"finish\": true}")
                    .map(
                        body ->
                            body.length() == 0
                                ? new RotateRequest(false)
                                : Parsing.json(body, RotateRequest.class))
                    .compose(
                        r ->
                            Boolean.TRUE.equals(r.finish()) ? ca.finishRotation() : ca.rotateRoot())
                    .map(Reply::ok));
  }

  private Reply bundle() {
    return Reply.text(ca.trustBundle(), "application/x-pem-file");
  }

  /** The identity a request names: a workload (namespace and service) or a component. */
  private SpiffeId identity(CertificateRequest r) {
    boolean workload = r.namespace() != null || r.service() != null;
    if (workload == (r.component() != null)) {
      throw new CertificateRequestException(
          workload ? "component" : "service",
          workload
              ? "names both a workload and a component"
              : "names no identity: give namespace and service, or component",
          "ask for one identity: {\"namespace\":\"NS\",\"service\":\"NAME\"} or"
              + " {\"component\":\"gateway\"}");
    }
    try {
      return workload
          ? SpiffeId.workload(ca.trustDomain(), r.namespace(), r.service())
          : SpiffeId.component(ca.trustDomain(), r.component());
    } catch (IllegalArgumentException e) {
      String field =
          !workload
              ? "component"
              : r.namespace() == null || !dev.skiff.api.validation.Names.isDnsLabel(r.namespace())
                  ? "namespace"
                  : "service";
      throw new CertificateRequestException(field, e.getMessage(), "fix " + field);
    }
  }

  private static Duration ttl(String ttl) {
    if (ttl == null) {
      return null;
    }
    try {
      return Durations.parse(ttl);
    } catch (IllegalArgumentException e) {
      throw new CertificateRequestException(
          "ttl", e.getMessage(), "give a duration like 24h, 90m or 3600s");
    }
  }
}
