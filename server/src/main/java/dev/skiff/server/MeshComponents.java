package dev.skiff.server;

import dev.skiff.activator.Activator;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.gateway.Gateway;
import dev.skiff.meshproxy.ComponentIdentity;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The gateway's, the activator's and eventing's mesh identities, issued by the in-process {@link
 * MeshCa} through {@link MeshIssuer}, and what each component is given of them: the gateway calls
 * instances and the activator over mutual TLS; the activator calls instances over mutual TLS and
 * listens with mutual TLS, for the gateway and eventing only; the eventing dispatcher calls
 * services through the mesh's outbound side ({@link MeshEventSink}) as itself.
 */
final class MeshComponents {
  private final ComponentIdentity gateway;
  private final ComponentIdentity activator;
  private final ComponentIdentity eventing;

  private MeshComponents(
      ComponentIdentity gateway, ComponentIdentity activator, ComponentIdentity eventing) {
    this.gateway = gateway;
    this.activator = activator;
    this.eventing = eventing;
  }

  /**
   * Loads the CA (the control plane's start loads it again, the same) and obtains the components'
   * first certificates.
   */
  static Future<MeshComponents> start(
      Vertx vertx, MeshCa ca, MeterRegistry registry, MeshTimings timings) {
    return ca.start()
        .compose(
            started ->
                start(
                    vertx, ca.trustDomain(), id -> MeshIssuer.of(ca, id), registry, timings, true));
  }

  /**
   * An edge's gateway and activator identities (no eventing), each certificate signed by {@code
   * issuers} (the control plane's node port, {@link EdgeRole}).
   */
  static Future<MeshComponents> edge(
      Vertx vertx,
      String trustDomain,
      Function<SpiffeId, CertificateIssuer> issuers,
      MeterRegistry registry,
      MeshTimings timings) {
    return start(vertx, trustDomain, issuers, registry, timings, false);
  }

  private static Future<MeshComponents> start(
      Vertx vertx,
      String td,
      Function<SpiffeId, CertificateIssuer> issuers,
      MeterRegistry registry,
      MeshTimings timings,
      boolean withEventing) {
    MeshComponents m =
        new MeshComponents(
            identity(vertx, issuers, SpiffeId.component(td, "gateway"), registry, timings),
            identity(vertx, issuers, SpiffeId.component(td, "activator"), registry, timings),
            withEventing
                ? identity(vertx, issuers, SpiffeId.component(td, "eventing"), registry, timings)
                : null);
    return Future.all(
            m.gateway.start(),
            m.activator.start(),
            m.eventing == null ? Future.succeededFuture() : m.eventing.start())
        .map(all -> m);
  }

  private static ComponentIdentity identity(
      Vertx vertx,
      Function<SpiffeId, CertificateIssuer> issuers,
      SpiffeId id,
      MeterRegistry registry,
      MeshTimings timings) {
    return ComponentIdentity.builder()
        .withVertx(vertx)
        .withIdentity(id)
        .withIssuer(issuers.apply(id))
        .withMeterRegistry(registry)
        .withProvider(p -> p.withTtl(timings.leafTtl()).withBundleRefresh(timings.bundleRefresh()))
        .build();
  }

  Gateway.Builder gateway(Gateway.Builder b) {
    return b.withUpstreamTls(gateway.upstreamTls());
  }

  Activator.Builder activator(Activator.Builder b) {
    Set<String> callers =
        eventing == null
            ? Set.of(gateway.id().uri())
            : Set.of(gateway.id().uri(), eventing.id().uri());
    return b.withUpstreamTls(activator.upstreamTls())
        .withMutualTls(activator.listenerTls(), callers);
  }

  /**
   * The gateway's identity: the activator's caller check sees it on requests entered in process.
   */
  String gatewayIdentity() {
    return gateway.id().uri();
  }

  /** The identity the gateway must see on the activator's certificate. */
  String activatorIdentity() {
    return activator.id().uri();
  }

  /**
   * The dispatcher's identity: the mesh calls services with it for every event; null on an edge.
   */
  IdentityProvider eventing() {
    return eventing.provider();
  }

  /** Certificates obtained so far per component identity, the first ones included. */
  Map<String, Long> renewals() {
    Map<String, Long> out = new java.util.TreeMap<>();
    out.put(gateway.id().uri(), gateway.provider().renewals());
    out.put(activator.id().uri(), activator.provider().renewals());
    if (eventing != null) {
      out.put(eventing.id().uri(), eventing.provider().renewals());
    }
    return out;
  }

  void stop() {
    gateway.stop();
    activator.stop();
    if (eventing != null) {
      eventing.stop();
    }
  }
}
