package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLoopsTest {
  @Test
  void fileReadsOneAfterAnotherLeaveOnlyTheBoundedBlockingThreads(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("module.wasm"), "not really a module");
    // Threads of this name that other tests' Vert.x instances left are not this one's.
    Set<Thread> before = blockingThreads();
    Vertx vertx = Vertx.builder().with(EventLoops.options(0)).build();
    try {
      // One read at a time, as a quiet skiffd's cold starts come: a fixed pool below its size
      // starts a new thread for each of them anyway.
      Future<?> reads = Future.succeededFuture();
      for (int i = 0; i < 30; i++) {
        reads = reads.compose(x -> vertx.fileSystem().readFile(file.toString()));
      }
      reads.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      List<String> blocking =
          blockingThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).toList();
      assertTrue(
          blocking.size() <= EventLoops.internalBlockingThreads(),
          blocking.size() + " internal blocking threads after 30 reads: " + blocking);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static Set<Thread> blockingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("vert.x-internal-blocking-"))
        .collect(Collectors.toSet());
  }
}
