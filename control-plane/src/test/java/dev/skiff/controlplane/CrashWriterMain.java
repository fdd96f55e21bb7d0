package dev.skiff.controlplane;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.skiff.controlplane.spi.Store;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Test-only child process for {@link EmbeddedStoreCrashIT}: opens the store in {@code args[0]} and
 * puts {@code args[2]} keys named {@code args[1]}-i as fast as it can, 64 in flight, printing
 * {@code ACK <key> END} for each acknowledged one. The parent kills it with SIGKILL midway.
 */
public final class CrashWriterMain {
  private CrashWriterMain() {}

  /** The value written under {@code key}, so the parent can check what it reads back. */
  public static byte[] valueFor(String key) {
    return (key + ":" + "x".repeat(1000)).getBytes(UTF_8);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    EmbeddedStore store =
        EmbeddedStore.builder()
            .withDataDir(dir)
            .build()
            .open()
            .toCompletionStage()
            .toCompletableFuture()
            .get();
    System.out.println("OPEN");
    Semaphore inFlight = new Semaphore(64);
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      String key = prefix + "-" + i;
      store
          .put(key, valueFor(key), Store.ABSENT)
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  System.out.println("ACK " + key + " END");
                } else {
                  System.out.println("FAIL " + key + " " + ar.cause());
                }
                inFlight.release();
              });
    }
    inFlight.tryAcquire(64, 1, TimeUnit.MINUTES);
    System.out.println("DONE");
    store.close().toCompletionStage().toCompletableFuture().get();
  }
}
