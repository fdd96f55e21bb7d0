package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a caller of {@code start()} relies on: when it resolves, the workload answers, even one that
 * opens its port late, at the default probe interval and at a short one; and start/stop cycles
 * leave nothing on the host. How long a start takes is measured in bench/ (the cold-start scenario,
 * beside bare {@code runc run} and {@code podman run}), never asserted here.
 */
class ContainerStartReadinessIT extends ContainerFixture {
  private static final int CYCLES = 5;

  /** Listens a second after it starts, so a start() that resolved on the process alone fails. */
  private static final String LATE_SERVE = "sleep 1; exec httpd -f -p $PORT -h /www";

  @Test
  void startResolvesOnlyOnceTheWorkloadAnswersAndCyclesLeaveNothing() throws Exception {
    ContainerImage image = TestImages.shell(dir.resolve("layers"), LATE_SERVE);
    for (Duration interval : List.of(Duration.ofMillis(50), Duration.ofMillis(5))) {
      backend(ref -> Future.succeededFuture(image), b -> b.withProbeInterval(interval));
      for (int i = 0; i < CYCLES; i++) {
        ContainerInstance inst =
            (ContainerInstance)
                await(backend.start(TestRevisions.spec("default.hello-00001." + i, (s, l) -> {})));
        assertEquals(
            200,
            get(inst.host(), inst.port(), "/").statusCode(),
            "answers as soon as start() resolved (cycle "
                + i
                + ", probing every "
                + interval
                + ")");
        await(inst.stop(Duration.ZERO));
      }
      closeAndCheckNothingIsLeft();
      backend = null;
    }
  }
}
