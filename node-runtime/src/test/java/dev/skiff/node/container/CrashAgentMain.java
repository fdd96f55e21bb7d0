package dev.skiff.node.container;

import dev.skiff.node.spi.Instance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in agent for {@link AgentCrashIT}, run in a child JVM: starts instances, prints {@code
 * READY host port} for each and {@code ALL READY}, then waits to be SIGKILLed.
 *
 * <p>Arguments: data dir, scope, runtime root, subnet, layers dir, instance count, marker, and
 * optionally how many revisions at zero to create a container ahead for (each printed as {@code
 * PREPARED key}).
 */
public final class CrashAgentMain {
  private CrashAgentMain() {}

  public static void main(String[] args) throws Exception {
    ContainerConfig config =
        ContainerConfig.builder()
            .withDataDir(Path.of(args[0]))
            .withScope(args[1])
            .withInterfacePrefix(args[1])
            .withRuntimeRoot(Path.of(args[2]))
            .withSubnet(args[3])
            .build();
    int count = Integer.parseInt(args[5]);
    // The marker stays in the shell's command line, so the test can find every container process.
    ContainerImage image =
        TestImages.shell(Path.of(args[4]), "httpd -f -p $PORT -h /www; echo " + args[6]);
    Vertx vertx = Vertx.vertx();
    ContainerBackend backend =
        ContainerBackend.create(vertx, config, ref -> Future.succeededFuture(image))
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    for (int i = 1; i <= count; i++) {
      Instance inst =
          backend
              .start(TestRevisions.spec("default.hello-00001." + i, (s, l) -> {}))
              .toCompletionStage()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      System.out.println("READY " + inst.host() + " " + inst.port());
    }
    int prepared = args.length > 7 ? Integer.parseInt(args[7]) : 0;
    for (int i = 1; i <= prepared; i++) {
      // Run once first: a backend prepares only revisions it has run.
      dev.skiff.api.model.Revision r = TestRevisions.revision("other-0000" + i, java.util.Map.of());
      Instance once =
          backend
              .start(new dev.skiff.node.spi.InstanceSpec("default.other.0" + i, r, (s, l) -> {}))
              .toCompletionStage()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      ((ContainerInstance) once)
          .stop(java.time.Duration.ofSeconds(5))
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
      backend.atZero(r);
    }
    // Each revision whose instance became ready has one created ahead: the others' and hello's.
    int expected = prepared + (count > 0 ? 1 : 0);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (backend.prepared().size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    backend.prepared().forEach(k -> System.out.println("PREPARED " + k));
    System.out.println("ALL READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
