package dev.skiff.server;

import dev.skiff.api.model.AllowedHost;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.meshproxy.Callee;
import dev.skiff.meshproxy.MeshCaller;
import dev.skiff.meshproxy.OutboundCall;
import dev.skiff.meshproxy.OutboundReply;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.spi.LocalCallees;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.routing.LiveRoutes;
import dev.skiff.wasm.spi.OutboundDeniedException;
import dev.skiff.wasm.spi.OutboundHttp;
import dev.skiff.wasm.spi.OutboundRequest;
import dev.skiff.wasm.spi.OutboundResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Where Wasm functions' outbound HTTP calls go ({@code wasi_experimental_http}): a service of the
 * mesh ({@code http://{service}.{namespace}/}, with or without the domain, tags included) through
 * {@link MeshCaller} with the calling service's own identity; a host the revision lists in {@code
 * allowedHosts} directly ({@link DirectCalls}); anything else is denied. One per skiffd; the route
 * table follows the store like the gateway's.
 */
final class WasmOutbound {
  private final LiveRoutes routes;
  private final MeshFronts fronts;
  private final MeshCaller mesh;
  private final DirectCalls direct;

  /**
   * @param fronts the mesh's per-service identities; null with the mesh off (then only allowed
   *     hosts can be called)
   * @param registry the node's ready endpoints (read at call time)
   * @param poke asks the autoscaler for a revision at zero, as the activator does
   */
  WasmOutbound(
      Vertx vertx,
      String domain,
      Duration defaultTimeout,
      MeshFronts fronts,
      Supplier<EndpointRegistry> registry,
      BiConsumer<String, String> poke) {
    this.routes = new LiveRoutes(domain, defaultTimeout);
    this.fronts = fronts;
    this.mesh =
        MeshCaller.builder()
            .withVertx(vertx)
            .withDomain(domain)
            .withRoutes(routes::current)
            .withEndpoints(endpoints(registry, poke))
            // This node's Wasm instances are entered in process (no socket, no TLS).
            .withLocalCallees(fronts == null ? LocalCallees.NONE : fronts.localCallees())
            .build();
    this.direct = new DirectCalls(vertx);
  }

  /**
   * The node's outbound side of the mesh, which container instances' calls (see ContainerCalls) and
   * eventing's deliveries share.
   */
  MeshCaller mesh() {
    return mesh;
  }

  void onResourceEvent(ResourceEvent event) {
    routes.apply(event);
  }

  /** The outbound side of one Wasm instance: its service's identity and its allowed hosts. */
  OutboundHttp forInstance(InstanceSpec spec) {
    List<AllowedHost> allowed =
        spec.template().allowedHosts().stream().map(AllowedHost::parse).toList();
    String namespace = spec.namespace();
    String service = spec.serviceName();
    return new OutboundHttp() {
      @Override
      public void admit(URI url) {
        if (mesh.route(url) != null || allowed.stream().anyMatch(a -> a.matches(url))) {
          return;
        }
        if (mesh.isMeshName(url)) {
          return; // answered by the mesh: 404 naming the forms that work
        }
        throw new OutboundDeniedException(
            url.getHost(),
            "it is neither a service of the mesh (http://{service}.{namespace}/) nor listed in"
                + " the service's spec.template.allowedHosts");
      }

      @Override
      public Future<OutboundResponse> send(OutboundRequest request) {
        URI url = request.url();
        boolean viaMesh =
            mesh.route(url) != null
                || (mesh.isMeshName(url) && allowed.stream().noneMatch(a -> a.matches(url)));
        if (!viaMesh) {
          return direct.send(request);
        }
        if (fronts == null) {
          return Future.failedFuture(
              new OutboundDeniedException(
                  url.getHost(),
                  "calls between functions need the mesh, which is off (skiffd --mesh off)"));
        }
        OutboundCall call =
            new OutboundCall(
                request.method(),
                url,
                request.headers(),
                request.body(),
                request.timeout(),
                request.maxResponseBytes());
        return fronts
            .callerIdentity(namespace, service)
            .compose(identity -> mesh.call(identity, call))
            .map(WasmOutbound::response);
      }
    };
  }

  void close() {
    mesh.close();
    direct.close();
  }

  private static OutboundResponse response(OutboundReply reply) {
    return new OutboundResponse(reply.status(), reply.headers(), reply.body());
  }

  private static CalleeEndpoints endpoints(
      Supplier<EndpointRegistry> registry, BiConsumer<String, String> poke) {
    return new CalleeEndpoints() {
      @Override
      public List<Callee> ready(String namespace, String revision) {
        return callees(registry.get().ready(namespace, revision));
      }

      @Override
      public Future<List<Callee>> awaitReady(String namespace, String revision, Duration timeout) {
        poke.accept(namespace, revision);
        return registry.get().awaitReady(namespace, revision, timeout).map(this::callees);
      }

      private List<Callee> callees(List<dev.skiff.node.Endpoint> endpoints) {
        return endpoints.stream()
            .filter(e -> e.identity() != null)
            .map(e -> new Callee(e.host(), e.port(), e.identity()))
            .toList();
      }
    };
  }
}
