package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd stopped with SIGTERM says so, and what it logs while it stops reaches its output: the JDK
 * resets java.util.logging in a shutdown hook of its own, which used to run beside skiffd's and
 * drop every line skiffd logged while it drained.
 */
class SkiffdStopIT {
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void sigtermLogsTheStopAndItsEnd(@TempDir Path dir) throws Exception {
    List<String> later = Collections.synchronizedList(new ArrayList<>());
    Process p =
        SkiffdProcess.launch(
            dir.resolve("data"),
            SkiffdProcess.freePort(),
            SkiffdProcess.freePort(),
            dir.resolve("config"),
            new ArrayList<>(),
            List.of("--drain", "1"),
            later::add);
    // SIGTERM; Process.destroy() would also close the output before its last lines are read.
    p.toHandle().destroy();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "skiffd did not exit within 60 s of SIGTERM");
    assertEquals(143, p.exitValue(), "exit code after SIGTERM; output: " + later);
    // The output's reader may still be at the last lines when the process has ended.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && !contains(later, "skiffd stopped in")) {
      Thread.sleep(20);
    }
    assertTrue(contains(later, "skiffd stopping"), "no stopping line in: " + later);
    assertTrue(contains(later, "skiffd stopped in"), "no stopped line in: " + later);
  }

  private static boolean contains(List<String> lines, String text) {
    synchronized (lines) {
      return lines.stream().anyMatch(l -> l.contains(text));
    }
  }
}
