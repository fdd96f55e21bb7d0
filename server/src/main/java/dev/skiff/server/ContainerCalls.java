package dev.skiff.server;

import dev.skiff.meshproxy.ContainerOutbound;
import dev.skiff.node.container.OutboundDoor;
import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Container instances' calls by name, with the mesh: the container backend's {@link OutboundDoor},
 * answered with one mesh-proxy {@link ContainerOutbound} per instance (its name service and
 * listener on the node's end of its link) over the node's one {@code MeshCaller}, the one Wasm's
 * calls use, with the calling service's identity from {@link MeshFronts} and its request timeout.
 * The backend is made before the mesh, so both are read when an instance starts.
 */
final class ContainerCalls implements OutboundDoor {
  private final Vertx vertx;
  private final Supplier<WasmOutbound> outbound;
  private final Supplier<MeshFronts> fronts;

  ContainerCalls(Vertx vertx, Supplier<WasmOutbound> outbound, Supplier<MeshFronts> fronts) {
    this.vertx = vertx;
    this.outbound = outbound;
    this.fronts = fronts;
  }

  @Override
  public int dnsPort() {
    return ContainerOutbound.DNS_PORT;
  }

  @Override
  public int httpPort() {
    return ContainerOutbound.HTTP_PORT;
  }

  @Override
  public Future<Opened> open(InstanceSpec spec, String nodeAddress, String instanceAddress) {
    WasmOutbound calls = outbound.get();
    MeshFronts mesh = fronts.get();
    if (calls == null || mesh == null) {
      return Future.failedFuture(
          new IllegalStateException("the mesh is not started yet; the start is retried"));
    }
    String namespace = spec.namespace();
    String service = spec.serviceName();
    return ContainerOutbound.builder()
        .withVertx(vertx)
        .withMesh(calls.mesh())
        .withIdentity(() -> mesh.callerIdentity(namespace, service))
        .withLink(nodeAddress, instanceAddress)
        .withPorts(dnsPort(), httpPort())
        .withTimeout(Duration.ofSeconds(spec.template().timeoutSecondsOrDefault()))
        .build()
        .start()
        .map(door -> door::close);
  }
}
