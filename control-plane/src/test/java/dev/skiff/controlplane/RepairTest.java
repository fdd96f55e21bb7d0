package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A crash between a service write and its revision write is repaired at the next start. */
class RepairTest {
  @TempDir Path dir;

  @Test
  void startMakesTheRevisionAServiceNamesButACrashKeptFromBeingWritten() throws Exception {
    EmbeddedStore store =
        ApiFixture.await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    String svc =
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service",
         "metadata":{"name":"hello","namespace":"default","generation":2},
         "spec":{"template":{"image":"registry/hello:2"}},
         "status":{"latestCreatedRevisionName":"hello-00002"}}""";
    ApiFixture.await(
        store.put(
            "/skiff/services/default/hello", svc.getBytes(StandardCharsets.UTF_8), Store.ABSENT));
    Vertx vertx = Vertx.vertx();
    try {
      ControlPlane cp =
          ApiFixture.await(
              ControlPlane.builder()
                  .withVertx(vertx)
                  .withStore(store)
                  .withBlobDir(dir.resolve("blobs"))
                  .withPort(0)
                  .build()
                  .start());
      var revs = ApiFixture.await(cp.revisions()).items();
      assertEquals(1, revs.size());
      assertEquals("hello-00002", revs.get(0).metadata().name());
      assertEquals(2, revs.get(0).spec().number());
      assertEquals("registry/hello:2", revs.get(0).spec().template().image());
      ApiFixture.await(cp.stop());
    } finally {
      ApiFixture.await(store.close());
      ApiFixture.await(vertx.close());
    }
  }

  @Test
  void aRevisionNamedByItsTemplateIsRepairedWithTheNextOrdinal() throws Exception {
    EmbeddedStore store =
        ApiFixture.await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    String svc =
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service",
         "metadata":{"name":"hello","namespace":"default","generation":2},
         "spec":{"template":{"image":"registry/hello:2","name":"hello-green"}},
         "status":{"latestCreatedRevisionName":"hello-green"}}""";
    String blue =
        """
        {"apiVersion":"skiff.dev/v1","kind":"Revision",
         "metadata":{"name":"hello-blue","namespace":"default"},
         "spec":{"service":"hello","number":1,
                 "template":{"image":"registry/hello:1","name":"hello-blue"}}}""";
    ApiFixture.await(
        store.put(
            "/skiff/services/default/hello", svc.getBytes(StandardCharsets.UTF_8), Store.ABSENT));
    ApiFixture.await(
        store.put(
            "/skiff/revisions/default/hello-blue",
            blue.getBytes(StandardCharsets.UTF_8),
            Store.ABSENT));
    Vertx vertx = Vertx.vertx();
    try {
      ControlPlane cp =
          ApiFixture.await(
              ControlPlane.builder()
                  .withVertx(vertx)
                  .withStore(store)
                  .withBlobDir(dir.resolve("blobs"))
                  .withPort(0)
                  .build()
                  .start());
      var green =
          ApiFixture.await(cp.revisions()).items().stream()
              .filter(r -> r.metadata().name().equals("hello-green"))
              .findFirst()
              .orElseThrow();
      assertEquals(2, green.spec().number());
      assertEquals("registry/hello:2", green.spec().template().image());
      ApiFixture.await(cp.stop());
    } finally {
      ApiFixture.await(store.close());
      ApiFixture.await(vertx.close());
    }
  }
}
