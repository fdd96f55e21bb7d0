package dev.skiff.server;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.meshproxy.Callee;
import dev.skiff.node.Fixtures;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which of the node's sidecars {@link MeshFronts} lets callers of this JVM enter in process: the
 * gateway any sidecar (Wasm or container) once its listener is bound, the activator any instance's
 * by the instance's name from its start, the mesh's outbound side a Wasm instance's, each only at
 * its own address and under its own identity, and none once it stops.
 */
class MeshFrontsInProcessIT {
  private static final SpiffeId GATEWAY = SpiffeId.component("skiff.local", "gateway");

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final List<Runnable> closing = new ArrayList<>();
  private MeshFronts fronts;
  private HttpServer container;

  @BeforeEach
  void start() throws IOException {
    Path home = Files.createDirectories(dir.resolve("cp"));
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(home.resolve("store")).build().open());
    ControlPlane cp =
        await(
            ControlPlane.builder()
                .withVertx(vertx)
                .withStore(store)
                .withBlobDir(home.resolve("blobs"))
                .withAdminToken("skiff_mesh-fronts-admin-token")
                .withHost("127.0.0.1")
                .withPort(0)
                .build()
                .start());
    closing.add(0, () -> await(cp.stop().eventually(store::close)));
    fronts =
        new MeshFronts(
            vertx,
            cp.meshCa(),
            "127.0.0.1",
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            MeshTimings.DEFAULTS);
    closing.add(0, fronts::close);
    container =
        await(
            vertx
                .createHttpServer()
                .requestHandler(req -> req.response().end("container"))
                .listen(0, "127.0.0.1"));
    closing.add(0, () -> await(container.close()));
  }

  @AfterEach
  void stop() {
    closing.forEach(Runnable::run);
    await(vertx.close());
  }

  private InstanceFront open(String service, Instance instance) {
    InstanceSpec spec =
        new InstanceSpec(service + "-00001-a", Fixtures.revision(service, 1), (s, l) -> {});
    InstanceFront front = await(fronts.open(spec, instance));
    await(front.listening());
    closing.add(0, () -> await(front.stop(Duration.ZERO)));
    return front;
  }

  @Test
  void theGatewayEntersWasmAndContainerSidecarsAtTheirAddressUnderTheirIdentityOnly() {
    InstanceFront wasm = open("hello", instance(req -> req.response().end("wasm")));
    InstanceFront web = open("web", instance(null));
    LocalInstances local = fronts.localInstances(GATEWAY);

    assertNotNull(local.find(endpoint(wasm)), "a Wasm instance's sidecar");
    assertNotNull(local.find(endpoint(web)), "a container's sidecar");
    assertNull(
        local.find(new Endpoint("127.0.0.1", wasm.port(), web.identity())),
        "the port of one service under the identity of another");
    assertNull(
        local.find(new Endpoint("127.0.0.2", wasm.port(), wasm.identity())), "another address");
    assertNull(local.find(new Endpoint("127.0.0.1", wasm.port(), null)), "plaintext");

    await(wasm.stop(Duration.ZERO));

    assertNull(local.find(endpoint(wasm)), "a stopped sidecar is not entered");
    assertNotNull(local.find(endpoint(web)));
  }

  @Test
  void theOutboundSideEntersAWasmInstancesSidecarByItsAddressButNotAContainers() {
    InstanceFront wasm = open("hello", instance(req -> req.response().end("wasm")));
    InstanceFront web = open("web", instance(null));

    assertNotNull(
        fronts.localCallees().find(new Callee("127.0.0.1", wasm.port(), wasm.identity())),
        "a Wasm callee of this JVM is entered in process");
    assertNull(fronts.localCallees().find(new Callee("127.0.0.1", web.port(), web.identity())));
    assertNull(
        fronts.localCallees().find(new Callee("127.0.0.1", wasm.port(), web.identity())),
        "not under another identity");

    await(wasm.stop(Duration.ZERO));

    assertNull(fronts.localCallees().find(new Callee("127.0.0.1", wasm.port(), wasm.identity())));
  }

  @Test
  void theActivatorEntersWasmAndContainerInstancesByName() {
    InstanceFront wasm = open("hello", instance(req -> req.response().end("wasm")));
    InstanceFront web = open("web", instance(null));
    var endpoints = fronts.localEndpoints(SpiffeId.component("skiff.local", "activator"));

    assertNotNull(endpoints.find(activatorEndpoint("hello", wasm)));
    assertNotNull(
        endpoints.find(activatorEndpoint("web", web)),
        "a container's sidecar too, which forwards to the container's address");
    assertNull(endpoints.find(activatorEndpoint("other", wasm)), "another instance's name");
  }

  private static Endpoint endpoint(InstanceFront f) {
    return new Endpoint(f.host(), f.port(), f.identity());
  }

  private static dev.skiff.activator.spi.Endpoint activatorEndpoint(
      String service, InstanceFront f) {
    return new dev.skiff.activator.spi.Endpoint(
        f.host(), f.port(), f.identity(), service + "-00001-a");
  }

  /** A Wasm instance ({@code handler} not null) or a container at the test's plain server. */
  private Instance instance(Handler<HttpServerRequest> handler) {
    return new Instance() {
      @Override
      public String id() {
        return "i";
      }

      @Override
      public String host() {
        return "127.0.0.1";
      }

      @Override
      public int port() {
        return container.actualPort();
      }

      @Override
      public Handler<HttpServerRequest> handler() {
        return handler;
      }

      @Override
      public Future<Void> stop(Duration drain) {
        return Future.succeededFuture();
      }
    };
  }
}
