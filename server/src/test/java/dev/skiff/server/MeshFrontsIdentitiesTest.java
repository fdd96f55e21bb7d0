package dev.skiff.server;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.Service;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.meshproxy.IdentityScheduler;
import dev.skiff.node.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service identities of a node share one scheduler, against the real in-process CA. */
class MeshFrontsIdentitiesTest {
  @TempDir Path dir;
  Vertx vertx;
  EmbeddedStore store;
  MeshFronts fronts;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    store = await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    MeshCa ca =
        await(
            MeshCa.builder()
                .withVertx(vertx)
                .withStore(store)
                .withTrustDomain("skiff.local")
                .build()
                .start());
    fronts =
        new MeshFronts(
            vertx,
            ca,
            "127.0.0.1",
            new SimpleMeterRegistry(),
            Clock.systemUTC(),
            MeshTimings.DEFAULTS);
  }

  @AfterEach
  void stop() {
    fronts.close();
    await(store.close());
    await(vertx.close());
  }

  @Test
  void everyServiceIdentityOfTheNodeIsRenewedAndRefreshedByTheOneScheduler() {
    List<Service> services = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Service s = Fixtures.service("svc" + i, "svc" + i + "-00001", "True");
      services.add(s);
      fronts.onResourceEvent(Fixtures.put(s));
      await(fronts.callerIdentity("default", s.metadata().name()));
    }
    IdentityScheduler scheduler = fronts.identityScheduler();
    eventually("every identity takes the node's bundle", () -> scheduler.bundleHolders() == 5);
    assertEquals(5, scheduler.pendingRenewals());

    fronts.onResourceEvent(Fixtures.delete(services.get(0)));

    assertEquals(4, scheduler.pendingRenewals(), "the deleted service's identity is not renewed");
    assertEquals(4, scheduler.bundleHolders());
  }
}
