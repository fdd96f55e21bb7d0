package dev.skiff.controlplane.internal.resources;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blobs kept in the store (for etcd): another data directory finds them there. */
class BlobsInStoreTest {
  @TempDir Path tmp;
  Vertx vertx;
  Store store;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    store = await(EmbeddedStore.builder().withDataDir(tmp.resolve("store")).build().open());
  }

  @AfterEach
  void close() throws Exception {
    await(store.close());
    await(vertx.close());
  }

  private BlobStore blobs(String dir) {
    return new BlobStore(
        vertx, tmp.resolve(dir), new DefaultModuleValidator(), new StoredBlobs(store));
  }

  private static byte[] module(int size) {
    byte[] m = new byte[size];
    new Random(7).nextBytes(m);
    System.arraycopy(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0}, 0, m, 0, 8);
    return m;
  }

  @Test
  void aBlobUploadedOnOneDataDirIsFoundFromAnEmptyOne() throws Exception {
    byte[] module = module(StoredBlobs.CHUNK * 2 + 123); // three chunks
    BlobStore.Blob b = await(blobs("first").put(module, "wasm"));
    Path fetched = await(blobs("second").path(b.digest()));
    assertTrue(fetched.startsWith(tmp.resolve("second")));
    assertArrayEquals(module, Files.readAllBytes(fetched));
    assertEquals(4, await(store.list(StoredBlobs.PREFIX)).size(), "3 chunks and the index");
  }

  @Test
  void aBlobNeverUploadedIsNotFound() throws Exception {
    Throwable t = failure(blobs("first").path("sha256:" + "ab".repeat(32)));
    assertInstanceOf(NotFoundException.class, t);
  }

  @Test
  void aBlobWhoseChunkWasAlteredIsRefused() throws Exception {
    BlobStore.Blob b = await(blobs("first").put(module(1000), "wasm"));
    String hex = b.digest().substring("sha256:".length());
    await(store.put(StoredBlobs.PREFIX + "chunks/" + hex + "/00000", new byte[] {1}, Store.ANY));
    Throwable t = failure(blobs("second").path(b.digest()));
    assertInstanceOf(StoreException.class, t);
    assertTrue(t.getMessage().contains("does not match its digest"), t.getMessage());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
