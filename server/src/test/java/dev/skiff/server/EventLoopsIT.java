package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skiffd's event loops: one per core unless {@code --event-loops} says otherwise. */
class EventLoopsIT {
  @TempDir Path dir;

  @Test
  void runsOneEventLoopPerCoreByDefault() throws Exception {
    try (RunningSkiffd s = RunningSkiffd.start(dir.resolve("default"))) {
      assertEquals(Runtime.getRuntime().availableProcessors(), loops(s.skiffd.vertx()));
    }
  }

  @Test
  void runsAsManyEventLoopsAsAsked() throws Exception {
    try (RunningSkiffd s = RunningSkiffd.start(dir.resolve("three"), 30, o -> o.eventLoops = 3)) {
      assertEquals(3, loops(s.skiffd.vertx()));
    }
  }

  /**
   * The distinct threads that many verticle instances start on: Vert.x gives each instance the next
   * event loop in turn, so more instances than loops find every loop.
   */
  private static int loops(Vertx vertx) throws Exception {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    String id =
        vertx
            .deployVerticle(
                () ->
                    new AbstractVerticle() {
                      @Override
                      public void start() {
                        threads.add(Thread.currentThread());
                      }
                    },
                new DeploymentOptions().setInstances(64))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return threads.size();
  }
}
