package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Probe;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exec probes under real runc: a readiness probe holds start() until the command passes in the
 * container, and a failing liveness probe ends the instance (out of the endpoints first) so the
 * agent restarts it.
 */
class ContainerProbesIT extends ContainerFixture {
  /** Serves /tmp over HTTP, and writes /tmp/ready a second after it starts. */
  static final String READY_LATE =
      "(sleep 1; echo yes > /tmp/ready) & exec httpd -f -p $PORT -h /tmp";

  /** Serves, and writes /tmp/dead two seconds after it starts. */
  static final String DIES_LATE =
      "(sleep 2; echo dead > /tmp/dead) & exec httpd -f -p $PORT -h /tmp";

  static InstanceSpec spec(String id, Probe readiness, Probe liveness) {
    RevisionTemplate t =
        RevisionTemplate.builder()
            .image("test/busybox:latest")
            .port(8080)
            .readinessProbe(readiness)
            .livenessProbe(liveness)
            .build();
    Revision r =
        Revision.of(ObjectMeta.of("default", "probed-00001"), new RevisionSpec("probed", 1, t));
    return new InstanceSpec(id, r, (s, l) -> {});
  }

  static Probe exec(List<String> command, Integer period, Integer failures) {
    return new Probe(null, null, null, new Probe.Exec(command), null, period, null, null, failures);
  }

  @Test
  void execReadinessProbeHoldsTheStartUntilTheCommandPasses() throws Exception {
    ContainerImage image = TestImages.shell(dir.resolve("layers"), READY_LATE);
    backend(image);
    ContainerInstance inst =
        (ContainerInstance)
            await(
                backend.start(
                    spec(
                        "default.probed-00001.1",
                        exec(List.of("test", "-f", "/tmp/ready"), null, null),
                        null)));
    // A TCP probe would have let it through at once, before /tmp/ready existed.
    var r = get(inst.host(), inst.port(), "/ready");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("yes", r.body().trim());
    await(inst.stop(Duration.ZERO));
  }

  @Test
  void failingExecLivenessProbeEndsTheInstanceAfterTakingItOut() throws Exception {
    ContainerImage image = TestImages.shell(dir.resolve("layers"), DIES_LATE);
    backend(image);
    ContainerInstance inst =
        (ContainerInstance)
            await(
                backend.start(
                    spec(
                        "default.probed-00001.2",
                        null,
                        exec(List.of("test", "!", "-f", "/tmp/dead"), 1, 2))));
    Promise<Boolean> readiness = Promise.promise();
    inst.onReadinessChange(readiness::tryComplete);
    InstanceExit exit = await(inst.ended());
    assertEquals("LivenessProbeFailed", exit.reason(), exit.message());
    assertTrue(exit.message().contains("exec test ! -f /tmp/dead"), exit.message());
    assertEquals(false, await(readiness.future()), "taken out of the endpoints first");
    await(Future.succeededFuture());
  }
}
