package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.ContainerRuntimeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host command never holds its caller past its timeout: a container start runs these on a worker
 * and waits for them, so one that hangs must fail the step, not stall the start for good.
 */
class CommandsTest {

  @Test
  void answersAFinishedCommandsExitCodeAndOutput() {
    Commands.Result r =
        Commands.run(
            List.of("sh", "-c", "echo out; echo err >&2; exit 3"), null, Duration.ofSeconds(20));
    assertEquals(3, r.exitCode());
    assertEquals("out\n", r.stdout());
    assertEquals("err\n", r.stderr());
  }

  @Test
  void killsACommandThatDoesNotEndWithinItsTimeout() {
    ContainerRuntimeException e =
        assertThrows(
            ContainerRuntimeException.class,
            () -> Commands.run(List.of("sleep", "120"), null, Duration.ofMillis(300)));
    assertTrue(e.getMessage().contains("sleep 120 did not finish within 300 ms"), e.getMessage());
  }
}
