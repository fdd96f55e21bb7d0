package dev.skiff.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code skiffd --roles node} process joined to a control plane on loopback, and its output. */
record NodeProcess(Process process, List<String> lines) {

  /**
   * Starts node {@code name} advertising {@code address}, joining the node port with the token and
   * CA that {@code skiff nodes token create --out join} wrote; {@code more} flags are appended.
   */
  static NodeProcess start(
      Path dir, int nodePort, String name, String address, Path join, List<String> more)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-jar",
                Path.of("target", "skiffd.jar").toAbsolutePath().toString(),
                "--roles",
                "node",
                "--control-plane",
                "127.0.0.1:" + nodePort,
                "--node-name",
                name,
                "--data-dir",
                dir.resolve("node-" + name).toString(),
                "--bootstrap-token",
                join.resolve("bootstrap-token").toString(),
                "--control-plane-ca",
                join.resolve("ca.pem").toString(),
                "--advertise-address",
                address,
                "--node-cpu",
                "1",
                "--node-memory",
                "1Gi"));
    command.addAll(more);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
              } catch (java.io.IOException e) {
                lines.add("(output ended: " + e + ")");
              }
            });
    reader.setDaemon(true);
    reader.start();
    return new NodeProcess(p, lines);
  }

  /** Waits up to 60 s for a line containing {@code text}; fails if the process exits first. */
  void await(String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      synchronized (lines) {
        if (lines.stream().anyMatch(l -> l.contains(text))) {
          return;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("the agent exited " + process.exitValue() + ": " + output());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the agent did not get there: " + output());
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }
}
