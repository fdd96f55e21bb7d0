package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.LogLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged {@code target/skiff.jar} as a process, for what only a fresh JVM shows: the Host
 * header really leaves through HttpURLConnection, and a signal ends {@code logs -f} cleanly.
 */
class CliProcessIT {
  private static final Path JAR = Path.of("target", "skiff.jar");

  @org.junit.jupiter.api.io.TempDir Path configDir;
  private LocalControlPlane controlPlane;
  private FakeGateway gateway;

  @BeforeEach
  void start() throws IOException {
    assertTrue(Files.isRegularFile(JAR), "run after package: " + JAR.toAbsolutePath());
    controlPlane = LocalControlPlane.start();
    gateway = FakeGateway.start(Map.of("hello.default.localhost", "hello-00001"));
    CliRunner.Result deploy =
        CliRunner.against(controlPlane).run("deploy", "hello", "--image", "registry.local/hello:1");
    assertEquals(0, deploy.code(), deploy::toString);
  }

  @AfterEach
  void stop() {
    gateway.close();
    controlPlane.close();
  }

  private Process skiff(String... args) throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("SKIFF_SERVER", controlPlane.url());
    pb.environment().put("SKIFF_GATEWAY", gateway.url());
    // Never the real home: the CLI would look for skiffd's credentials there.
    pb.environment().put("SKIFF_CONFIG_DIR", configDir.toString());
    pb.environment().put("SKIFF_TOKEN", LocalControlPlane.ADMIN_TOKEN);
    return pb.start();
  }

  @Test
  void invokeSendsTheServiceHost() throws Exception {
    Process p = skiff("invoke", "hello");
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), err);
    assertEquals(
        "hello from hello-00001\n",
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals("hello.default.localhost", gateway.only().header("Host"));
  }

  @Test
  void interruptEndsFollowWithWholeLinesAndNoStackTrace() throws Exception {
    LogLine line = ServiceLogs.line(Instant.now(), "hello-00001", "stdout", "started");
    controlPlane.logs.write("hello", line);
    Process p = skiff("logs", "hello", "-f");
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String expected = line.time() + " hello-00001 stdout: started";
    assertEquals(expected, out.readLine()); // printed while the stream is open

    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
    int expectedExit = 130; // 128 + SIGINT, as for any JVM
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      // Started with SIGINT ignored (a background job of a non-interactive shell): SIGTERM
      // takes the same path through the JVM's shutdown hooks. Through the handle: Process.destroy()
      // would also close the streams read below.
      p.toHandle().destroy();
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), "skiff logs -f did not end on SIGTERM");
      expectedExit = 143;
    }
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(expectedExit, p.exitValue(), err);
    assertEquals("", err); // no stack trace, no error
    assertNull(out.readLine()); // and nothing after the last whole line
    assertTrue(
        controlPlane.logs.followersGone(Duration.ofSeconds(10)), "the connection was closed");
  }
}
