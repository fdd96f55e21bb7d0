package dev.skiff.server;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A skiffd process a test started beside its control plane (a node agent, an edge, an eventing
 * dispatcher: any roles) and the lines it printed, stdout and stderr together. The control plane
 * itself, which the test waits for until it is ready, is {@link SkiffdProcess#launch}'s.
 */
record NodeProcess(Process process, List<String> lines) {
  /** How long {@link #await} waits for a line: long enough for a JVM start on a loaded machine. */
  private static final long AWAIT_SECONDS = 90;

  /** How many of the last lines a failure shows. */
  private static final int TAIL = 100;

  /**
   * Starts node {@code name} advertising {@code address}, joining the node port with the token and
   * CA that {@code skiff nodes token create --out join} wrote; {@code more} flags are appended.
   */
  static NodeProcess start(
      Path dir, int nodePort, String name, String address, Path join, List<String> more)
      throws Exception {
    List<String> flags =
        nodeFlags(
            dir,
            "127.0.0.1:" + nodePort,
            name,
            join.resolve("bootstrap-token"),
            join,
            "--advertise-address",
            address,
            "--node-cpu",
            "1",
            "--node-memory",
            "1Gi");
    flags.addAll(more);
    return start(flags);
  }

  /**
   * The flags of {@code skiffd --roles node} joining {@code controlPlanes} ({@code host:port},
   * comma separated) with {@code token} and the CA in {@code join}, its data under {@code
   * dir/node-{name}}; then {@code more}.
   */
  static List<String> nodeFlags(
      Path dir, String controlPlanes, String name, Path token, Path join, String... more) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--roles",
                "node",
                "--control-plane",
                controlPlanes,
                "--node-name",
                name,
                "--data-dir",
                dir.resolve("node-" + name).toString(),
                "--bootstrap-token",
                token.toString(),
                "--control-plane-ca",
                join.resolve("ca.pem").toString()));
    flags.addAll(List.of(more));
    return flags;
  }

  /** The command line of the packaged skiffd ({@code target/skiffd.jar}) with {@code flags}. */
  static List<String> command(List<String> flags) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "skiffd.jar").toAbsolutePath().toString()));
    command.addAll(flags);
    return command;
  }

  /** Starts skiffd with {@code flags}. */
  static NodeProcess start(List<String> flags) throws Exception {
    return run(command(flags), null);
  }

  /**
   * Starts {@code command} (skiffd's, perhaps inside another, such as a network namespace's) and
   * reads what it prints; with {@code echo} non-null, also prints each line to stdout after that
   * prefix.
   */
  static NodeProcess run(List<String> command, String echo) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines()
                    .forEach(
                        l -> {
                          lines.add(l);
                          if (echo != null) {
                            System.out.println(echo + l);
                          }
                        });
              } catch (java.io.IOException e) {
                lines.add("(output ended: " + e + ")");
              }
            });
    reader.setDaemon(true);
    reader.start();
    return new NodeProcess(p, lines);
  }

  /** Waits for a line containing {@code text}; fails if the process exits first. */
  void await(String text) throws Exception {
    await(l -> l.contains(text), "'" + text + "'");
  }

  /**
   * Waits for a line that matches, {@code what} in the failure; fails if the process exits first.
   */
  void await(Predicate<String> line, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    while (System.nanoTime() < deadline) {
      synchronized (lines) {
        if (lines.stream().anyMatch(line)) {
          return;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("skiffd exited " + process.exitValue() + ": " + tail());
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "skiffd did not print " + what + " in " + AWAIT_SECONDS + " s: " + tail());
  }

  /** Waits up to 60 s for the process to exit; its exit code. */
  int exit() throws Exception {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("skiffd is still running: " + tail());
    }
    return process.exitValue();
  }

  /** Everything it printed so far. */
  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** The last lines it printed, for a failure's message. */
  String tail() {
    synchronized (lines) {
      int from = Math.max(0, lines.size() - TAIL);
      return (from > 0 ? "(last " + TAIL + " lines)\n" : "")
          + String.join("\n", lines.subList(from, lines.size()));
    }
  }
}
