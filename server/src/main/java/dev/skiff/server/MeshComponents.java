package dev.skiff.server;

import dev.skiff.activator.Activator;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.gateway.Gateway;
import dev.skiff.meshproxy.ComponentIdentity;
import dev.skiff.meshproxy.IdentityProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;

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
   * Loads the CA (the control plane's start loads it again, the same) and obtains both components'
   * first certificates.
   */
  static Future<MeshComponents> start(
      Vertx vertx, MeshCa ca, MeterRegistry registry, MeshTimings timings) {
    String td = ca.trustDomain();
    return ca.start()
        .compose(
            started -> {
              MeshComponents m =
                  new MeshComponents(
                      identity(vertx, ca, SpiffeId.component(td, "gateway"), registry, timings),
                      identity(vertx, ca, SpiffeId.component(td, "activator"), registry, timings),
                      identity(vertx, ca, SpiffeId.component(td, "eventing"), registry, timings));
              return Future.all(m.gateway.start(), m.activator.start(), m.eventing.start())
                  .map(all -> m);
            });
  }

  private static ComponentIdentity identity(
      Vertx vertx, MeshCa ca, SpiffeId id, MeterRegistry registry, MeshTimings timings) {
    return ComponentIdentity.builder()
        .withVertx(vertx)
        .withIdentity(id)
        .withIssuer(MeshIssuer.of(ca, id))
        .withMeterRegistry(registry)
        .withProvider(p -> p.withTtl(timings.leafTtl()).withBundleRefresh(timings.bundleRefresh()))
        .build();
  }

  Gateway.Builder gateway(Gateway.Builder b) {
    return b.withUpstreamTls(gateway.upstreamTls());
  }

  Activator.Builder activator(Activator.Builder b) {
    return b.withUpstreamTls(activator.upstreamTls())
        .withMutualTls(activator.listenerTls(), Set.of(gateway.id().uri(), eventing.id().uri()));
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

  /** The dispatcher's identity: the mesh calls services with it for every event. */
  IdentityProvider eventing() {
    return eventing.provider();
  }

  /** Certificates obtained so far per component identity, the first ones included. */
  Map<String, Long> renewals() {
    return Map.of(
        gateway.id().uri(), gateway.provider().renewals(),
        activator.id().uri(), activator.provider().renewals(),
        eventing.id().uri(), eventing.provider().renewals());
  }

  void stop() {
    gateway.stop();
    activator.stop();
    eventing.stop();
  }
}
