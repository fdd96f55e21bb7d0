package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.eventing.Broker;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The no-loss acceptance: records over 6 partitions to the Wasm event function, the real
 * skiffd (the packaged jar, its own process) killed with SIGKILL twice mid-stream and the broker
 * restarted once; every id comes back on the reply topic at least once, duplicates are counted.
 * {@code -Dskiff.events.noloss.records=100000} runs the full count (the default keeps CI
 * short).
 */
class EventsNoLossIT {
  @TempDir Path dir;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void everyRecordIsDeliveredAtLeastOnceAcrossTwoSigkillsAndABrokerRestart() throws Exception {
    int count = Integer.getInteger("skiff.events.noloss.records", 20_000);
    try (Broker broker = Broker.start()) {
      broker.createTopic("ids", 6);
      broker.createTopic("ids-replies", 6);
      Path data = dir.resolve("data");
      int api = SkiffdProcess.freePort();
      int gateway = SkiffdProcess.freePort();
      Process skiffd = launch(data, api, gateway);
      Cli cli =
          new Cli(
              Map.of(
                  "SKIFF_SERVER", "http://127.0.0.1:" + api,
                  "SKIFF_CONFIG_DIR", dir.resolve("cli-config").toString(),
                  "SKIFF_DATA_DIR", data.toString()));
      IdsThroughEvent.deployEvent(cli, dir);
      IdsThroughEvent.createTrigger(cli, broker, 64);
      long start = System.nanoTime();
      try (Broker.Tally replies = broker.tally("ids-replies")) {
        IdsThroughEvent ids = IdsThroughEvent.of(count);
        Thread producer = ids.sendInBackground(broker);

        waitFor("a quarter delivered", replies::distinct, count / 4);
        skiffd.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, no warning
        skiffd = launch(data, api, gateway);
        waitFor("half delivered", replies::distinct, count / 2);
        skiffd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        skiffd = launch(data, api, gateway);
        waitFor("three quarters delivered", replies::distinct, 3 * count / 4);
        broker.restart();
        producer.join(TimeUnit.MINUTES.toMillis(5));
        waitFor("every id delivered", replies::distinct, count);

        Set<String> missing = ids.missingFrom(replies);
        long seconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
        System.out.printf(
            "no-loss: %d records over 6 partitions, 2 SIGKILLs of skiffd and a broker restart:"
                + " %d replies for %d distinct ids (%d duplicates, %d missing) in %d s%n",
            count,
            replies.records(),
            replies.distinct(),
            replies.records() - replies.distinct(),
            missing.size(),
            seconds);
        assertEquals(Set.of(), missing);
      } finally {
        skiffd.destroy();
        skiffd.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void waitFor(String what, IntSupplier value, int atLeast) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (value.getAsInt() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for " + what + ": " + value.getAsInt() + " of " + atLeast);
      }
      Thread.sleep(50);
    }
  }

  private Process launch(Path data, int api, int gateway) throws Exception {
    return SkiffdProcess.launch(data, api, gateway, dir.resolve("cli-config"));
  }
}
