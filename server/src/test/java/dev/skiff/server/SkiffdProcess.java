package dev.skiff.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * skiffd as its own process (the packaged {@code target/skiffd.jar}), for tests that kill it with
 * SIGKILL and start it again over the same data directory.
 */
final class SkiffdProcess {
  private SkiffdProcess() {}

  /**
   * Starts skiffd on these ports and waits until it says it is ready; its CLI credentials go to
   * {@code configDir}, never the real home.
   *
   * @param startOutput receives the lines skiffd printed until it was ready
   */
  static Process launch(Path data, int api, int gateway, Path configDir, List<String> startOutput)
      throws Exception {
    return launch(data, api, gateway, configDir, startOutput, List.of());
  }

  /** {@link #launch} with more flags, e.g. {@code --store}. */
  static Process launch(
      Path data,
      int api,
      int gateway,
      Path configDir,
      List<String> startOutput,
      List<String> moreFlags)
      throws Exception {
    return launch(data, api, gateway, configDir, startOutput, moreFlags, line -> {});
  }

  /**
   * {@link #launch} with more flags, handing each line skiffd prints after it is ready to {@code
   * laterOutput} (on a thread of its own).
   */
  static Process launch(
      Path data,
      int api,
      int gateway,
      Path configDir,
      List<String> startOutput,
      List<String> moreFlags,
      Consumer<String> laterOutput)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-jar",
                Path.of("target", "skiffd.jar").toAbsolutePath().toString(),
                "--data-dir",
                data.toString(),
                "--api-port",
                String.valueOf(api),
                "--gateway-port",
                String.valueOf(gateway),
                "--gateway-tls-port",
                "0"));
    command.addAll(moreFlags);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("SKIFF_CONFIG_DIR", configDir.toString());
    Process p = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while ((line = out.readLine()) != null) {
      startOutput.add(line);
      if (line.contains("skiffd ready")) {
        Thread drain = new Thread(() -> out.lines().forEach(laterOutput));
        drain.setDaemon(true);
        drain.start();
        return p;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    p.destroyForcibly();
    boolean exited = p.waitFor(5, TimeUnit.SECONDS);
    List<String> tail =
        startOutput.subList(Math.max(0, startOutput.size() - 30), startOutput.size());
    throw new AssertionError(
        "skiffd did not start"
            + (exited ? " (exit code " + p.exitValue() + ")" : "")
            + "; its last lines:\n  "
            + String.join("\n  ", tail));
  }

  /** {@link #launch} when the start output does not matter. */
  static Process launch(Path data, int api, int gateway, Path configDir) throws Exception {
    return launch(data, api, gateway, configDir, new ArrayList<>());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
