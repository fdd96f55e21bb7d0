package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container revision's first start pulls its image from a real registry on loopback: the
 * revision's events say how many bytes and layers came (one Pulling event, updated in place) and
 * then Pulled with the digest, size and time, before Started.
 */
class ImagePullEventsIT {
  @TempDir Path dir;

  @Test
  void aContainerStartRecordsPullingWithBytesThenPulled() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
        RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"), 1)) {
      String image = registry.address() + "/examples/hello-server:1";
      Vertx vertx = Vertx.vertx();
      String pushed;
      try {
        HelloServerImage.write(
            Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
        pushed = ImagePush.push(vertx, dir.resolve("layout"), image);
      } finally {
        vertx.close();
      }
      Cli cli = new Cli(skiffd);
      Cli.Result deployed =
          cli.ok("deploy", "web", "--image", image, "--port", "8080", "--memory", "64Mi");
      assertEquals("", deployed.err(), "a pipe sees no progress");

      String events = awaitEvents(cli, "Started");
      Matcher pulling =
          Pattern.compile(
                  "Pulling .*pulling "
                      + Pattern.quote(image)
                      + ": ([0-9.]+ [KM]iB) of ([0-9.]+ [KM]iB) \\(1 of 1 layers\\)")
              .matcher(events);
      assertTrue(pulling.find(), "one Pulling event with the bytes and layers:\n" + events);
      assertEquals(pulling.group(2), pulling.group(1), "its last update has every byte");
      // That updates of one pull fold into one event is EventLogTest's to show: on loopback this
      // image arrives within one progress tick, so here there is a single update to fold.
      Matcher pulled =
          Pattern.compile(
                  "Pulled .*pulled "
                      + Pattern.quote(image)
                      + " \\("
                      + Pattern.quote(pushed)
                      + "\\): ([0-9.]+ [KM]iB), 1 layer in [0-9.]+ s")
              .matcher(events);
      assertTrue(pulled.find(), "Pulled with digest, size and time:\n" + events);
      assertEquals(pulling.group(2), pulled.group(1));
      assertTrue(
          events.indexOf("Pulling") < events.indexOf("Pulled")
              && events.indexOf("Pulled") < events.indexOf("Started"),
          "oldest first: Pulling, Pulled, Started:\n" + events);
    }
  }

  /** {@code skiff events web} once it shows {@code reason} (events are recorded asynchronously). */
  private static String awaitEvents(Cli cli, String reason) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String out = cli.ok("events", "web").out();
    while (!out.contains(reason)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + reason + " event:\n" + out);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      out = cli.ok("events", "web").out();
    }
    return out;
  }
}
