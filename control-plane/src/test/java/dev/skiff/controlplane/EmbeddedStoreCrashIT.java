package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.spi.Entry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM that is writing to the store as fast as it can, then proves every write the
 * child saw acknowledged is on disk, and that the store reopens, at several points in the run.
 */
class EmbeddedStoreCrashIT {
  @TempDir Path dir;

  @Test
  void killDashNineLosesNoAcknowledgedWrite() throws Exception {
    int[] killAfter = {1, 300, 550, 777, 950};
    for (int round = 0; round < killAfter.length; round++) {
      String prefix = "/crash/round" + round;
      List<String> acked = runAndKill(prefix, killAfter[round]);
      EmbeddedStore store = await(EmbeddedStore.builder().withDataDir(dir).build().open());
      try {
        for (String key : acked) {
          Optional<Entry> e = await(store.get(key));
          assertTrue(e.isPresent(), "acknowledged " + key + " is missing after kill -9");
          assertArrayEquals(CrashWriterMain.valueFor(key), e.get().value(), key);
        }
        int present = await(store.list(prefix + "-")).size();
        System.out.printf(
            "[crash round %d] killed after %d acks; %d keys on disk (unacknowledged writes may land too)%n",
            round, acked.size(), present);
        assertTrue(present >= acked.size());
      } finally {
        await(store.close());
      }
    }
  }

  private List<String> runAndKill(String prefix, int acksBeforeKill) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CrashWriterMain.class.getName(),
                dir.toString(),
                prefix,
                "1000")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> acked = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        // Only whole lines count: the kill may cut the last one short.
        if (line.startsWith("ACK ") && line.endsWith(" END")) {
          acked.add(line.substring(4, line.length() - 4));
          if (acked.size() == acksBeforeKill) {
            // SIGKILL on Linux. Through the handle, so our end of the pipe stays open and every ack
            // the child printed before it died is still read.
            child.toHandle().destroyForcibly();
          }
        } else if (line.startsWith("FAIL")) {
          throw new AssertionError(line);
        }
      }
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(acked.size() >= acksBeforeKill, "child ended after " + acked.size() + " acks");
    return acked;
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
