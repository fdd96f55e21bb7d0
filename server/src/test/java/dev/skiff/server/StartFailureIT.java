package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container revision whose image cannot be pulled (a loopback registry address where nothing
 * listens): skiffd retries the start with backoff, then marks the revision Ready=False with the
 * reason, and a request through the gateway gets 503 with that reason instead of hanging for the
 * activator's 300 s queue timeout (the test's client gives up after 30 s).
 */
class StartFailureIT {
  @TempDir Path dir;

  @Test
  void aRevisionThatCannotStartAnswers503WithTheReason() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "containers need root");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/sbin/runc")), "runc is missing: apt-get install runc");
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"));
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      Cli cli = new Cli(skiffd);
      // Port 1 on loopback: nothing listens, the pull is refused at once.
      cli.run("deploy", "broken", "--image", "127.0.0.1:1/nothing/here:1", "--port", "8080");

      Http.Response r = http.get(skiffd.gatewayPort(), "broken.default.localhost", "/");

      assertEquals(503, r.status(), r.text());
      assertTrue(r.text().contains("127.0.0.1:1"), "the body names what failed: " + r.text());
      String described = cli.run("describe", "broken").out();
      assertTrue(described.contains("False"), "describe shows Ready=False: " + described);
    }
  }
}
